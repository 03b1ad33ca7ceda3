using System.Threading.Channels;
using Chat.Client.Terminal;

namespace Chat.Client.Tests;

/// <summary>A view whose input the test types and whose output the test reads, with bounded waits.</summary>
public sealed class ScriptedView : IChatView
{
    private readonly Channel<string?> _input = Channel.CreateUnbounded<string?>();
    private readonly Channel<string> _shown = Channel.CreateUnbounded<string>();
    private readonly List<string> _all = new();

    public bool IsInteractive => false;

    public List<string> Errors { get; } = new();

    public List<string> Prompts { get; } = new();

    public IReadOnlyList<string> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    public void Type(string line) => _input.Writer.TryWrite(line);

    public void EndInput() => _input.Writer.TryWrite(null);

    public async Task<string?> ReadLineAsync(string prompt, CancellationToken cancel)
    {
        lock (Prompts)
        {
            Prompts.Add(prompt);
        }

        try
        {
            return await _input.Reader.ReadAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void ShowLine(string text)
    {
        lock (_all)
        {
            _all.Add(text);
        }

        _shown.Writer.TryWrite(text);
    }

    public void ShowError(string text)
    {
        lock (Errors)
        {
            Errors.Add(text);
        }
    }

    /// <summary>Waits for a shown line that matches; fails after 10 seconds.</summary>
    public async Task<string> ExpectAsync(Func<string, bool> match)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                string line = await _shown.Reader.ReadAsync(cts.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("Line not shown. Shown:\n" + string.Join("\n", All) + "\nErrors:\n" + string.Join("\n", Errors));
        }
    }

    public Task<string> ExpectAsync(string exact) => ExpectAsync(l => l == exact);

    /// <summary>The last status the session set (a terminal would show it).</summary>
    public ChatStatus? Status { get; private set; }

    public void SetStatus(ChatStatus status) => Status = status;

    public void Dispose()
    {
    }
}
