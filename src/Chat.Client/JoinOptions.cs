using System.Globalization;

namespace Chat.Client;

/// <summary>What `chat join` was told.</summary>
public sealed record JoinOptions
{
    /// <summary>The alias to use; null asks for one.</summary>
    public string? Alias { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 65434;

    /// <summary>The room to join, with or without its '#'.</summary>
    public string Room { get; init; } = "general";

    /// <summary>Connect over TLS, checking the certificate as this says; null: plain TCP.</summary>
    public ClientTls? Tls { get; init; }

    public CultureInfo Culture { get; init; } = CultureInfo.CurrentUICulture;

    /// <summary>How long to wait for the server to answer a connection attempt.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Log in with this password (SASL PLAIN, or NickServ where there is no SASL); null: no account.</summary>
    public string? Password { get; init; }

    /// <summary>Register the alias as an account with <see cref="Password"/> while connecting.</summary>
    public bool Register { get; init; }

    /// <summary>Messages of history shown on joining, and fetched by /history without a number.</summary>
    public int HistoryLines { get; init; } = 20;

    public string Channel => Room.StartsWith('#') ? Room : "#" + Room;
}
