namespace Chat.Tests;

/// <summary>
/// Lines read from one stream (a process's stdout or stderr, a socket), kept in
/// order, with a bounded wait for a line that matches.
/// </summary>
public sealed class LineLog
{
    private readonly object _gate = new();
    private readonly List<string> _lines = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the stream has ended.</summary>
    public Task Closed => _closed.Task;

    /// <summary>The lines so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public void Add(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
        }

        Signal();
    }

    /// <summary>Marks the end of the stream.</summary>
    public void Close()
    {
        _closed.TrySetResult();
        Signal();
    }

    /// <summary>
    /// The first line (already read or still to come) that matches; throws when the
    /// stream ends or <paramref name="timeout"/> passes first, with <paramref name="transcript"/> in the message.
    /// </summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout, Func<string> transcript)
    {
        var deadline = Task.Delay(timeout);
        int seen = 0;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
                for (; seen < _lines.Count; seen++)
                {
                    if (match(_lines[seen]))
                    {
                        return _lines[seen];
                    }
                }
            }

            if (_closed.Task.IsCompleted && seen == Lines.Count)
            {
                throw new InvalidOperationException($"The stream ended without the expected line.\n{transcript()}");
            }

            if (await Task.WhenAny(changed, deadline).ConfigureAwait(false) == deadline)
            {
                throw new TimeoutException($"No matching line within {timeout.TotalSeconds} s.\n{transcript()}");
            }
        }
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
