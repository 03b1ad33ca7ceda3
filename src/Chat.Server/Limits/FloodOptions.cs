namespace Chat.Server.Limits;

/// <summary>
/// Per-client flood control. Defaults are Ergo's: a burst of 5 lines, then 2
/// per second; lines past that are not refused but read later ("fake lag"),
/// so a flooding client slows only itself.
/// </summary>
public sealed record FloodOptions
{
    /// <summary>Off lifts the line-rate limit (send queues still apply), e.g. for benchmarks.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Lines a client may send at once before the rate applies.</summary>
    public int Burst { get; init; } = 5;

    /// <summary>Lines per second once the burst is spent.</summary>
    public double LinesPerSecond { get; init; } = 2;

    /// <summary>IRC operators are not slowed down.</summary>
    public bool ExemptOperators { get; init; } = true;

    /// <summary>
    /// Lines a connection may send before it has registered; past this it is
    /// closed. Registration takes about 5 (CAP, NICK, USER, CAP END, maybe PASS
    /// and a few AUTHENTICATE), so 32 leaves room for any client.
    /// </summary>
    public int MaxLinesBeforeRegistration { get; init; } = 32;
}
