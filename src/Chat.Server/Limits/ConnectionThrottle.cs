using System.Net;

namespace Chat.Server.Limits;

/// <summary>
/// Counts connections per IP address: how many are open and how many were
/// opened in the current window. Thread-safe; the accept loop asks, sessions
/// give back when they end.
/// </summary>
public sealed class ConnectionThrottle
{
    private readonly ThrottleOptions _options;
    private readonly Dictionary<IPAddress, Entry> _entries = new();
    private readonly object _gate = new();

    public ConnectionThrottle(ThrottleOptions options)
    {
        _options = options;
    }

    /// <summary>Null when the address may connect (and counts it); otherwise why not.</summary>
    public string? TryAdmit(IPAddress address, long nowMs)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (_options.ExemptLoopback && IPAddress.IsLoopback(address))
        {
            return null;
        }

        lock (_gate)
        {
            if (!_entries.TryGetValue(address, out var entry))
            {
                entry = new Entry { WindowStart = nowMs };
                _entries[address] = entry;
            }

            if (nowMs - entry.WindowStart >= (long)_options.Window.TotalMilliseconds)
            {
                entry.WindowStart = nowMs;
                entry.NewInWindow = 0;
            }

            if (entry.Open >= _options.MaxConcurrentPerIp)
            {
                return $"Too many connections from your address (at most {_options.MaxConcurrentPerIp} at once)";
            }

            if (entry.NewInWindow >= _options.MaxNewPerWindow)
            {
                return $"Too many new connections from your address (at most {_options.MaxNewPerWindow} per {_options.Window.TotalMinutes:0} minutes)";
            }

            entry.Open++;
            entry.NewInWindow++;
            return null;
        }
    }

    /// <summary>An admitted connection from the address has ended.</summary>
    public void Release(IPAddress address, long nowMs)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(address, out var entry))
            {
                entry.Open = Math.Max(0, entry.Open - 1);

                // Forget addresses with nothing open and an expired window, so the table stays small.
                if (entry.Open == 0 && nowMs - entry.WindowStart >= (long)_options.Window.TotalMilliseconds)
                {
                    _entries.Remove(address);
                }
            }
        }
    }

    /// <summary>
    /// How many admitted connections from the address are open: a session counts
    /// until its socket is closed, a little after its client has left the server.
    /// </summary>
    public int OpenFrom(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        lock (_gate)
        {
            return _entries.TryGetValue(address, out var entry) ? entry.Open : 0;
        }
    }

    private sealed class Entry
    {
        public int Open;
        public int NewInWindow;
        public long WindowStart;
    }
}
