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


    /// <summary>Whether a lost connection is made again (with backoff, rejoining the rooms); false exits at once with code 2.</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>
    /// Failed reconnection attempts after which redirected (non-terminal) mode gives up
    /// with exit code 2, so scripts never hang; at a terminal it keeps trying until the user leaves.
    /// </summary>
    public int PlainReconnectAttempts { get; init; } = 5;

    /// <summary>Wait before the first reconnection attempt; it doubles after each failure.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between reconnection attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages asked for with CHATHISTORY LATEST when joining a room on a server with chathistory (which then does not replay them by itself), and by /history without a number.</summary>
    public int HistoryOnJoin { get; init; } = 20;

    public string Channel => Room.StartsWith('#') ? Room : "#" + Room;
}
