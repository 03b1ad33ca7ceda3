namespace Chat.Server.Configuration;

/// <summary>Everything `chat serve` needs once its configuration is loaded and checked.</summary>
public sealed record ServeSettings
{
    /// <summary>Where the server log goes besides the console: logs/chat.log, as the original chat wrote.</summary>
    public const string DefaultLogFile = "logs/chat.log";

    public required ServerOptions Server { get; init; }

    public string LogFile { get; init; } = DefaultLogFile;
}
