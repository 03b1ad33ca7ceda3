namespace Chat.Core.Transport;

/// <summary>Per-connection limits of a <see cref="LineConnection"/>.</summary>
public sealed record ConnectionOptions
{
    /// <summary>
    /// Bytes queued for a client before it is cut off with "SendQ exceeded".
    /// 96 KiB, as Ergo's default: a few seconds of a busy room, never a server's memory.
    /// </summary>
    public int SendQueueLimit { get; init; } = 96 * 1024;

    /// <summary>
    /// The longest line buffered before it is judged too long and skipped:
    /// 8191 bytes of tags plus 512 of message, the protocol's own maximum.
    /// </summary>
    public int MaxLineLength { get; init; } = Protocol.IrcLimits.MaxLine;

    /// <summary>How long a closing connection may take to flush what it still has to send.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Bytes gathered into one write when several lines are waiting.</summary>
    public int WriteCoalesceBytes { get; init; } = 16 * 1024;
}
