using System.Security.Cryptography.X509Certificates;

namespace Chat.Server;

/// <summary>TLS for IRC clients: a second listener that speaks IRC over TLS, and the IRCv3 sts policy.</summary>
public sealed record TlsOptions
{
    /// <summary>The server certificate with its private key; null means no TLS listener.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>The TLS port: 6697, the port IRC over TLS has by convention (RFC 7194); 0 picks a free one.</summary>
    public int Port { get; init; } = 6697;

    /// <summary>
    /// Whether the plain-text port listens too. True by default, so netcat users
    /// and old clients keep working; false (--no-plain) leaves TLS only.
    /// </summary>
    public bool PlainListener { get; init; } = true;

    /// <summary>
    /// How long clients are told to keep using TLS (the IRCv3 sts "duration"). Null
    /// does not advertise sts; the default is 30 days, as Ergo's. A self-signed
    /// certificate is not advertised unless asked, since clients could not verify it.
    /// </summary>
    public TimeSpan? StsDuration { get; init; } = TimeSpan.FromDays(30);

    /// <summary>A TLS handshake that has not finished after this long is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool Enabled => Certificate is not null;
}
