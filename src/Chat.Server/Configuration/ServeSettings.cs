namespace Chat.Server.Configuration;

/// <summary>Everything `chat serve` needs once its configuration is loaded and checked.</summary>
public sealed record ServeSettings
{
    /// <summary>Where the server log goes besides the console: logs/chat.log, as the original chat wrote.</summary>
    public const string DefaultLogFile = "logs/chat.log";

    public required ServerOptions Server { get; init; }

    public string LogFile { get; init; } = DefaultLogFile;

    /// <summary>The web client and WebSocket endpoint; off unless a port is given.</summary>
    public WebSettings Web { get; init; } = new();

    /// <summary>The self-signed certificate in use (--tls-self-signed), to report its fingerprint; else null.</summary>
    public SelfSignedCertificate? SelfSigned { get; init; }
}

/// <summary>`chat serve --web-port`: the web client and the IRCv3 WebSocket endpoint, from the same process.</summary>
public sealed record WebSettings
{
    /// <summary>The HTTP (HTTPS with a certificate) port; null: no web server. 0 picks a free port.</summary>
    public int? Port { get; init; }

    /// <summary>
    /// Extra origins (scheme://host[:port]) whose pages may open the WebSocket,
    /// besides the server's own pages (a reverse proxy's public address, say).
    /// </summary>
    public IReadOnlyList<string> Origins { get; init; } = [];
}

/// <summary>A self-signed certificate kept in the data directory, and whether this start made it.</summary>
public sealed record SelfSignedCertificate(string CertificateFile, string Fingerprint, bool Created);
