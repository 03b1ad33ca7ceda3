namespace Chat.Server;

/// <summary>
/// Gives memory back after a burst of new connections. Registering a client
/// leaves garbage behind (its welcome lines, parsed commands), and the collector
/// only runs when its youngest generation's budget fills, which can take
/// minutes on a quiet server: until then the process keeps holding up to that
/// budget (16 MB here, close to 1 KiB per client after 19,500 connections).
/// Once at least <see cref="Burst"/> connections have come since the last trim
/// and none for <see cref="Quiet"/>, one aggressive, compacting collection runs
/// (a pause of some milliseconds, at most once per <see cref="MinInterval"/>),
/// and the freed memory is returned to the system.
/// </summary>
internal sealed class MemoryTrim
{
    public const int Burst = 1000;
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    private long _connections;
    private long _lastConnection;
    private long _connectionsAtTrim;
    private long _lastTrim = long.MinValue / 2;

    /// <summary>A connection has come (any transport).</summary>
    public void Connected()
    {
        Interlocked.Increment(ref _connections);
        Volatile.Write(ref _lastConnection, Environment.TickCount64);
    }

    /// <summary>Called now and then (the server's timer); trims when a burst is over. True when it trimmed.</summary>
    public bool CheckNow(long now)
    {
        long connections = Interlocked.Read(ref _connections);
        if (connections - _connectionsAtTrim < Burst
            || now - Volatile.Read(ref _lastConnection) < (long)Quiet.TotalMilliseconds
            || now - _lastTrim < (long)MinInterval.TotalMilliseconds)
        {
            return false;
        }

        _connectionsAtTrim = connections;
        _lastTrim = now;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return true;
    }
}
