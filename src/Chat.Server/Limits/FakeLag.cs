namespace Chat.Server.Limits;

/// <summary>
/// A token bucket over one client's lines: <see cref="Delay"/> says how long to
/// wait before handling the next one. Used only by that client's reader loop,
/// so it needs no lock.
/// </summary>
public sealed class FakeLag
{
    private readonly FloodOptions _options;
    private double _tokens;
    private long _last;

    public FakeLag(FloodOptions options, long now)
    {
        _options = options;
        _tokens = options.Burst;
        _last = now;
    }

    /// <summary>Takes one token; returns the wait (zero while the burst lasts).</summary>
    /// <param name="now">Milliseconds on a monotonic clock (Environment.TickCount64).</param>
    public TimeSpan Delay(long now)
    {
        double rate = _options.LinesPerSecond;
        if (now > _last)
        {
            _tokens = Math.Min(_options.Burst, _tokens + (now - _last) * rate / 1000.0);
            _last = now;
        }

        _tokens -= 1;
        if (_tokens >= 0)
        {
            return TimeSpan.Zero;
        }

        // The line is handled when its token has been earned; the clock moves
        // on to then, so the next line waits behind it.
        double waitMs = -_tokens * 1000.0 / rate;
        _tokens = 0;
        _last = now + (long)waitMs;
        return TimeSpan.FromMilliseconds(waitMs);
    }
}
