namespace Chat.Server.Accounts;

/// <summary>
/// Slows down password guessing: after a few free failures for an account or
/// from an address, each further attempt must wait a delay that doubles with
/// every failure (capped). A success clears the account's and the address's count.
/// </summary>
public sealed class LoginThrottle
{
    private readonly AccountOptions _options;
    private readonly Dictionary<string, (int Failures, DateTimeOffset Last)> _entries = new(StringComparer.Ordinal);
    private readonly Func<DateTimeOffset> _now;

    public LoginThrottle(AccountOptions options, Func<DateTimeOffset>? now = null)
    {
        _options = options;
        _now = now ?? (() => DateTimeOffset.UtcNow);
    }

    /// <summary>How long <paramref name="key"/> must still wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string key)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.Failures < _options.FreeFailures)
            {
                return null;
            }

            int doublings = Math.Min(entry.Failures - _options.FreeFailures, 20);
            var wait = TimeSpan.FromTicks(Math.Min(_options.FailureDelay.Ticks << doublings, _options.MaxFailureDelay.Ticks));
            var left = entry.Last + wait - _now();
            return left > TimeSpan.Zero ? left : null;
        }
    }

    /// <summary>The longest wait of several keys (an account and an address).</summary>
    public TimeSpan? RetryAfter(params string[] keys) => keys.Select(RetryAfter).Max();

    public void Failed(params string[] keys)
    {
        lock (_entries)
        {
            foreach (var key in keys)
            {
                _entries[key] = (_entries.TryGetValue(key, out var e) ? e.Failures + 1 : 1, _now());
            }

            if (_entries.Count > 100_000)
            {
                // Forget the quietest half rather than grow without bound.
                foreach (var old in _entries.OrderBy(e => e.Value.Last).Take(_entries.Count / 2).Select(e => e.Key).ToList())
                {
                    _entries.Remove(old);
                }
            }
        }
    }

    public void Succeeded(params string[] keys)
    {
        lock (_entries)
        {
            foreach (var key in keys)
            {
                _entries.Remove(key);
            }
        }
    }
}
