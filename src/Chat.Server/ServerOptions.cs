using System.Globalization;
using System.Net;
using Chat.Core.Transport;

namespace Chat.Server;

/// <summary>Everything `chat serve` can be told. Defaults are what a first run wants.</summary>
public sealed record ServerOptions
{
    /// <summary>Where to listen: loopback by default, so a first run exposes nothing.</summary>
    public IPAddress Host { get; init; } = IPAddress.Loopback;

    /// <summary>The original chat's port; 0 picks a free one.</summary>
    public int Port { get; init; } = 65434;

    /// <summary>The server's own name in prefixes and numerics.</summary>
    public string ServerName { get; init; } = DefaultServerName();

    /// <summary>The network name in RPL_WELCOME and ISUPPORT NETWORK.</summary>
    public string Network { get; init; } = "chat";

    /// <summary>The room plain users and `chat join` land in.</summary>
    public string DefaultChannel { get; init; } = "#general";

    /// <summary>The language of what users and the console see.</summary>
    public CultureInfo Culture { get; init; } = CultureInfo.CurrentUICulture;

    /// <summary>Message of the day lines; null uses <see cref="MotdFile"/>, or a short default without one.</summary>
    public IReadOnlyList<string>? Motd { get; init; }

    /// <summary>
    /// A file whose lines are the message of the day, read at each MOTD so edits
    /// show at once; when it is missing MOTD answers ERR_NOMOTD (422). Null: none.
    /// </summary>
    public string? MotdFile { get; init; }

    /// <summary>What ADMIN answers; empty by default, so replies fall back to the server and network names.</summary>
    public AdminInfo Admin { get; init; } = new();

    /// <summary>Who may OPER; none by default, so nobody can become an operator until configured.</summary>
    public IReadOnlyList<OperatorEntry> Operators { get; init; } = [];

    /// <summary>
    /// Log each room message ("Juan: Hola a todos!") to the console and the log
    /// file, as the original socket chat did (default). Busy servers and the
    /// benchmarks turn it off (Log:Messages=false): connections, disconnects and
    /// errors are still logged.
    /// </summary>
    public bool LogMessages { get; init; } = true;

    /// <summary>Per-client line rate (fake lag) and the cap on lines before registration.</summary>
    public Limits.FloodOptions Flood { get; init; } = new();

    /// <summary>Connections per IP address.</summary>
    public Limits.ThrottleOptions Throttle { get; init; } = new();
    /// <summary>The TLS listener and the sts policy; off until a certificate is given.</summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary>
    /// Refuse to log in (SASL PLAIN) over a connection that is not encrypted, so
    /// passwords never cross the network in clear text. Checked with <see cref="Client.IsSecure"/>.
    /// </summary>
    public bool RequireTlsForLogin { get; init; }

    /// <summary>Per-connection limits (send queue, line length).</summary>
    public ConnectionOptions Connection { get; init; } = new();

    /// <summary>Unregistered connections are closed after this long (IRC servers use about a minute).</summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A registered client silent for this long is sent a PING.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>A PING unanswered for this long closes the connection ("Ping timeout").</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>History storage, retention and replay (see Storage/StoreOptions).</summary>
    public Storage.StoreOptions Store { get; init; } = new();

    /// <summary>Accounts, login and nick protection (see Accounts/AccountOptions).</summary>
    public Accounts.AccountOptions Accounts { get; init; } = new();

    /// <summary>
    /// Several nodes on one PostgreSQL (see Cluster/ClusterOptions). When its
    /// Database is set, history and accounts live there instead of SQLite, and
    /// this server shares presence and live events with the other nodes.
    /// </summary>
    public Cluster.ClusterOptions Cluster { get; init; } = new();

    /// <summary>How long shutdown waits for clients to receive the goodbye.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(3);

    public static string DefaultServerName()
    {
        string host;
        try
        {
            host = Dns.GetHostName().ToLowerInvariant();
        }
        catch (System.Net.Sockets.SocketException)
        {
            host = "localhost";
        }

        // A server name should look like a host name with a dot, never like a nick.
        return host.Contains('.') ? host : $"{host}.chat";
    }
}
