using System.Diagnostics;
using System.Numerics;

namespace Chat.Bench;

/// <summary>
/// Records latencies into log-linear buckets (exact to 1,023 µs, then 512 per
/// doubling: within 0.2 %), one set per recording thread, so a sample costs a
/// plain increment in a small array that stays in cache: no locked instruction
/// and no allocation. The generator records every delivery, millions a second,
/// so this is on its hot path. Percentiles sum the threads' buckets when read.
/// </summary>
public sealed class LatencyRecorder
{
    private const int Exact = 1024;
    private const int PerDoubling = 512;

    // Up to 2^31 µs (35 minutes); longer samples count as that.
    private const long Largest = (1L << 31) - 1;
    private static readonly int Buckets = Bucket(Largest) + 1;

    // The calling thread's shard of the recorder it last recorded into: a thread
    // static is cheaper than ThreadLocal<T>.Value, which was a third of a sample's cost.
    [ThreadStatic]
    private static Shard? t_shard;

    private readonly List<Shard> _shards = [];

    public long Count => Shards().Sum(s => s.Counts.Sum());

    /// <summary>The longest sample.</summary>
    public TimeSpan Max => TimeSpan.FromTicks(Shards().Select(s => Volatile.Read(ref s.MaxTicks)).DefaultIfEmpty(0).Max());

    public void Record(TimeSpan latency) => Record(latency.Ticks);

    /// <summary>Records the time from <paramref name="start"/> to <paramref name="end"/> (both <see cref="Stopwatch"/> timestamps).</summary>
    public void Record(long start, long end) =>
        Record((long)((end - start) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

    private void Record(long ticks)
    {
        ticks = Math.Max(0, ticks);
        var shard = t_shard;
        if (shard is null || shard.Owner != this)
        {
            shard = t_shard = new Shard(this);
            lock (_shards)
            {
                _shards.Add(shard);
            }
        }

        shard.Counts[Bucket(Math.Min(ticks / TimeSpan.TicksPerMicrosecond, Largest))]++;
        if (ticks > shard.MaxTicks)
        {
            Volatile.Write(ref shard.MaxTicks, ticks);
        }
    }

    /// <summary>The latency at or under which <paramref name="fraction"/> of samples fall (the upper end of its bucket).</summary>
    public TimeSpan Percentile(double fraction)
    {
        var counts = new long[Buckets];
        foreach (var shard in Shards())
        {
            for (int i = 0; i < Buckets; i++)
            {
                counts[i] += Volatile.Read(ref shard.Counts[i]);
            }
        }

        long total = counts.Sum();
        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        long target = (long)Math.Ceiling(total * fraction);
        long seen = 0;
        for (int i = 0; i < Buckets; i++)
        {
            seen += counts[i];
            if (seen >= target)
            {
                var upper = TimeSpan.FromMicroseconds(UpperMicros(i));
                return upper < Max ? upper : Max;
            }
        }

        return Max;
    }

    /// <summary>
    /// Below 1,024 µs a bucket per microsecond; above, a value whose highest bit is
    /// bit b (b ≥ 10) goes by its top 10 bits: 512 buckets for each b.
    /// </summary>
    internal static int Bucket(long micros)
    {
        if (micros < Exact)
        {
            return (int)micros;
        }

        int shift = BitOperations.Log2((ulong)micros) - 9;
        return (shift * PerDoubling) + (int)(micros >> shift);
    }

    /// <summary>The largest value in bucket <paramref name="index"/>, in microseconds.</summary>
    internal static long UpperMicros(int index)
    {
        if (index < Exact)
        {
            return index;
        }

        int shift = (index / PerDoubling) - 1;
        long top = index - (shift * PerDoubling);
        return ((top + 1) << shift) - 1;
    }

    private Shard[] Shards()
    {
        lock (_shards)
        {
            return [.. _shards];
        }
    }

    /// <summary>
    /// One thread's buckets for one recorder. A thread that records into another
    /// recorder in between gets a new shard when it comes back; the old one still counts.
    /// </summary>
    private sealed class Shard(LatencyRecorder owner)
    {
        public readonly LatencyRecorder Owner = owner;
        public readonly long[] Counts = new long[Buckets];
        public long MaxTicks;
    }
}
