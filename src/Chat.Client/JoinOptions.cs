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

    public string Channel => Room.StartsWith('#') ? Room : "#" + Room;
}
