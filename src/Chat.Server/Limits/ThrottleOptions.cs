namespace Chat.Server.Limits;

/// <summary>Connection limits per IP address; defaults are Ergo's.</summary>
public sealed record ThrottleOptions
{
    /// <summary>Connections one address may hold at once.</summary>
    public int MaxConcurrentPerIp { get; init; } = 16;

    /// <summary>New connections one address may open per <see cref="Window"/>.</summary>
    public int MaxNewPerWindow { get; init; } = 32;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Loopback addresses are exempt, as Ergo exempts localhost: local tools and benchmarks.</summary>
    public bool ExemptLoopback { get; init; } = true;
}
