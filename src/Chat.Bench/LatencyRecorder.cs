namespace Chat.Bench;

/// <summary>
/// Records latencies into fixed buckets (10 µs wide up to 10 s), so percentiles
/// cost no allocation per sample and recording is thread-safe. A sample costs one
/// locked increment (its bucket); the count is summed from the buckets when read.
/// </summary>
public sealed class LatencyRecorder
{
    private const double BucketMicros = 10;
    private readonly long[] _buckets = new long[1_000_001];
    private long _maxTicks;

    public long Count
    {
        get
        {
            long count = 0;
            for (int i = 0; i < _buckets.Length; i++)
            {
                count += Interlocked.Read(ref _buckets[i]);
            }

            return count;
        }
    }

    public void Record(TimeSpan latency)
    {
        long micros = (long)latency.TotalMicroseconds;
        int bucket = (int)Math.Clamp(micros / BucketMicros, 0, _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        long ticks = latency.Ticks;
        long max;
        while (ticks > (max = Volatile.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, ticks, max) != max)
        {
        }
    }

    public TimeSpan Max => TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks));

    /// <summary>The latency at or under which <paramref name="fraction"/> of samples fall.</summary>
    public TimeSpan Percentile(double fraction)
    {
        long total = Count;
        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        long target = (long)Math.Ceiling(total * fraction);
        long seen = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= target)
            {
                return TimeSpan.FromMicroseconds((i + 1) * BucketMicros);
            }
        }

        return Max;
    }
}
