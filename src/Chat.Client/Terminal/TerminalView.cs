using System.Runtime.InteropServices;
using System.Threading.Channels;
using Chat.Core.Protocol;

namespace Chat.Client.Terminal;

/// <summary>
/// The view for a person at a terminal: chat lines scroll above a status line
/// and an input line (<see cref="ChatScreen"/>), typing goes through a
/// <see cref="LineEditor"/>, and a line that arrives while the user types is
/// printed above without touching the half-typed text. Keys come from a thread
/// that reads the console; resizes are noticed by SIGWINCH and a poll.
/// Alt+1..9 and Ctrl+N/Ctrl+P switch rooms by sending /room for the user.
/// </summary>
public sealed class TerminalView : IChatView
{
    private readonly object _gate = new();
    private readonly ITerminal _terminal;
    private readonly ChatScreen _screen;
    private readonly LineEditor _editor = new();
    private readonly Channel<string?> _lines = Channel.CreateUnbounded<string?>();
    private readonly Func<DateTimeOffset> _clock;
    private readonly bool _console;
    private readonly List<IDisposable> _watchers = [];
    private ChatStatus? _status;
    private string _prompt = "";
    private bool _reading;
    private volatile bool _disposed;

    /// <summary>A view on this process's console.</summary>
    public TerminalView(bool colors, bool bell)
        : this(new AnsiTerminal(Console.Out, colors), bell, null)
    {
        _console = true;
        Console.TreatControlCAsInput = true;
        new Thread(ReadKeys) { IsBackground = true, Name = "chat keys" }.Start();
        if (!OperatingSystem.IsWindows())
        {
            // Windows has no SIGWINCH: the poll below notices resizes there.
            _watchers.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
            {
                context.Cancel = true;
                CheckSize();
            }));
        }

        _watchers.Add(new Timer(_ => CheckSize(), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500)));
    }

    /// <summary>A view on any terminal; keys arrive through <see cref="HandleKey"/> (tests).</summary>
    public TerminalView(ITerminal terminal, bool bell, Func<DateTimeOffset>? clock)
    {
        _terminal = terminal;
        _screen = new ChatScreen(terminal);
        _clock = clock ?? (() => DateTimeOffset.Now);
        Bell = bell;
        lock (_gate)
        {
            _screen.Start();
        }
    }

    public bool IsInteractive => true;

    public bool Bell { get; set; }

    /// <summary>The line editor, for tests.</summary>
    internal LineEditor Editor => _editor;

    public async Task<string?> ReadLineAsync(string prompt, CancellationToken cancel)
    {
        lock (_gate)
        {
            _prompt = prompt;
            _reading = true;
            DrawInput();
        }

        try
        {
            return await _lines.Reader.ReadAsync(cancel).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
        finally
        {
            lock (_gate)
            {
                _reading = false;
            }
        }
    }

    public void ShowLine(string text) => Show(new ChatLine(text));

    public void Show(ChatLine line)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var styled = LineStyle.Style(line, _status?.Nick, _clock());
            bool ring = Bell && (styled.Mentioned || (line.Kind == LineKind.Private && line.Nick is not null
                && _status?.Nick is { } me && !IrcCaseMapping.Equals(line.Nick, me)));
            _screen.Print(styled with { Mentioned = ring });
        }
    }

    public void ShowOwn(ChatLine line) => Show(line);

    public void ShowError(string text)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                Console.Error.WriteLine(text);
                return;
            }

            var styled = LineStyle.Style(new ChatLine(text), null, _clock());
            _screen.Print(styled with { Spans = [.. styled.Spans.Select(p => p with { Style = p.Style with { Color = TermColor.Red, Bold = true } })] });
        }
    }

    public void SetStatus(ChatStatus status)
    {
        lock (_gate)
        {
            _status = status;
            if (!_disposed)
            {
                _screen.SetStatus(status);
            }
        }
    }

    public void SetCompletion(Func<IReadOnlyList<string>> nicks, IReadOnlyList<string> commands)
    {
        lock (_gate)
        {
            _editor.Nicks = nicks;
            _editor.Commands = commands;
        }
    }

    /// <summary>Looks at the terminal's size and redraws everything if it changed.</summary>
    public void CheckSize()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _screen.CheckSize();
            }
        }
    }

    /// <summary>One key from the user.</summary>
    public void HandleKey(ConsoleKeyInfo key)
    {
        bool control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
        bool alt = key.Modifiers.HasFlag(ConsoleModifiers.Alt);
        lock (_gate)
        {
            if (control && (key.Key == ConsoleKey.C || (key.Key == ConsoleKey.D && _editor.Text.Length == 0)))
            {
                // Ctrl+C, or Ctrl+D on an empty line, leaves like end of input.
                _lines.Writer.TryWrite(null);
                return;
            }

            if (control && key.Key == ConsoleKey.L)
            {
                _screen.Redraw();
                return;
            }

            if (RoomKey(key, control, alt) is { } room)
            {
                _lines.Writer.TryWrite("/room " + room);
                return;
            }

            string? line = _editor.Apply(key);
            if (line is not null)
            {
                _lines.Writer.TryWrite(line);
            }

            DrawInput();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _reading = false;
            _screen.SetInput("", "", 0, visible: false);
            _terminal.CursorTo(_terminal.Height - 1, 0);
            _terminal.Flush();
        }

        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        if (_console)
        {
            Console.TreatControlCAsInput = false;
        }
    }

    /// <summary>Alt+1..9 picks the n-th room of the status line, Ctrl+N/Ctrl+P the next or previous one.</summary>
    private string? RoomKey(ConsoleKeyInfo key, bool control, bool alt)
    {
        var rooms = _status?.Rooms;
        if (rooms is null || rooms.Count == 0)
        {
            return null;
        }

        if (alt && key.KeyChar is >= '1' and <= '9' || alt && key.Key is >= ConsoleKey.D1 and <= ConsoleKey.D9)
        {
            int n = key.KeyChar is >= '1' and <= '9' ? key.KeyChar - '1' : key.Key - ConsoleKey.D1;
            return n < rooms.Count ? rooms[n].Name : null;
        }

        if (control && key.Key is ConsoleKey.N or ConsoleKey.P)
        {
            int current = _status!.Current is { } c ? rooms.ToList().FindIndex(r => IrcCaseMapping.Equals(r.Name, c)) : -1;
            int step = key.Key == ConsoleKey.N ? 1 : -1;
            int next = ((current < 0 ? 0 : current + step) % rooms.Count + rooms.Count) % rooms.Count;
            return rooms[next].Name;
        }

        return null;
    }

    private void DrawInput() => _screen.SetInput(_prompt, _editor.Text, _editor.Cursor, visible: _reading || _editor.Text.Length > 0);

    private void ReadKeys()
    {
        while (!_disposed)
        {
            ConsoleKeyInfo key;
            try
            {
                key = Console.ReadKey(intercept: true);
            }
            catch (InvalidOperationException)
            {
                _lines.Writer.TryWrite(null);
                return;
            }

            HandleKey(key);
        }
    }
}
