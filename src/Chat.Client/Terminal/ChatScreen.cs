namespace Chat.Client.Terminal;

/// <summary>
/// The layout of `chat join` on a terminal: chat lines scroll in the rows at the
/// top, the status line is the row above the last, and the input line is the
/// last row. A new chat line is written over the status and input rows and
/// scrolls the screen up, after which those two rows are drawn again, so what
/// the user is typing is never lost. It keeps the last lines to draw them again
/// after a resize. Not thread-safe: the view calls it under its lock.
/// </summary>
public sealed class ChatScreen
{
    /// <summary>Lines kept for redrawing after a resize.</summary>
    private const int Kept = 500;

    private readonly ITerminal _terminal;
    private readonly LinkedList<StyledLine> _lines = new();
    private ChatStatus? _status;
    private string _prompt = "";
    private string _input = "";
    private int _cursor;
    private bool _showInput;
    private (int Width, int Height) _size;

    public ChatScreen(ITerminal terminal)
    {
        _terminal = terminal;
        _size = (terminal.Width, terminal.Height);
    }

    private int Width => _size.Width;

    private int Height => _size.Height;

    /// <summary>Row of the input line; the status line is just above it.</summary>
    private int InputRow => Height - 1;

    private int StatusRow => Height - 2;

    /// <summary>Clears the screen and draws everything; call once at the start.</summary>
    public void Start()
    {
        _size = (_terminal.Width, _terminal.Height);
        Redraw();
    }

    /// <summary>Prints a chat line above the status line, scrolling older lines up.</summary>
    public void Print(StyledLine line)
    {
        _lines.AddLast(line);
        if (_lines.Count > Kept)
        {
            _lines.RemoveFirst();
        }

        var rows = LineStyle.Wrap(line.Spans, line.Indent, Width);
        _terminal.CursorTo(InputRow, 0);
        _terminal.ClearToEndOfLine();
        _terminal.CursorTo(StatusRow, 0);
        _terminal.ClearToEndOfLine();
        foreach (var row in rows)
        {
            foreach (var span in row)
            {
                _terminal.Write(span.Text, span.Style);
            }

            _terminal.NewLine();
        }

        // One more scroll frees the status row again.
        _terminal.NewLine();
        if (line.Mentioned)
        {
            _terminal.Bell();
        }

        DrawStatus();
        DrawInput();
        _terminal.Flush();
    }

    public void Bell()
    {
        _terminal.Bell();
        _terminal.Flush();
    }

    public void SetStatus(ChatStatus status)
    {
        _status = status;
        DrawStatus();
        DrawInput();
        _terminal.Flush();
    }

    /// <summary>Shows the prompt and the text being typed, with the cursor at <paramref name="cursor"/> (an index into it).</summary>
    public void SetInput(string prompt, string text, int cursor, bool visible = true)
    {
        _prompt = prompt;
        _input = text;
        _cursor = cursor;
        _showInput = visible;
        DrawInput();
        _terminal.Flush();
    }

    /// <summary>Redraws everything if the terminal changed size since the last look; true if it did.</summary>
    public bool CheckSize()
    {
        var size = (_terminal.Width, _terminal.Height);
        if (size == _size)
        {
            return false;
        }

        _size = size;
        Redraw();
        return true;
    }

    /// <summary>Clears the screen and draws the last lines that fit, the status and the input.</summary>
    public void Redraw()
    {
        _terminal.Clear();
        int free = Math.Max(StatusRow, 0);
        var rows = new List<List<Span>>();
        for (var node = _lines.Last; node is not null && rows.Count < free; node = node.Previous)
        {
            var wrapped = LineStyle.Wrap(node.Value.Spans, node.Value.Indent, Width);
            rows.InsertRange(0, wrapped);
        }

        if (rows.Count > free)
        {
            rows.RemoveRange(0, rows.Count - free);
        }

        int top = free - rows.Count;
        for (int i = 0; i < rows.Count; i++)
        {
            _terminal.CursorTo(top + i, 0);
            foreach (var span in rows[i])
            {
                _terminal.Write(span.Text, span.Style);
            }
        }

        DrawStatus();
        DrawInput();
        _terminal.Flush();
    }

    private void DrawStatus()
    {
        if (StatusRow < 0)
        {
            return;
        }

        _terminal.CursorTo(StatusRow, 0);
        _terminal.ClearToEndOfLine();
        if (_status is null)
        {
            return;
        }

        var bar = new TextStyle(Reverse: true);
        var spans = new List<Span> { new(" " + (_status.Nick ?? "") + " ", bar with { Bold = true }) };
        if (_status.Current is { } current)
        {
            spans.Add(new Span("| ", bar));
            spans.Add(new Span(current + " ", bar with { Bold = true }));
        }

        var others = _status.Rooms.Where(r => _status.Current is null || !Chat.Core.Protocol.IrcCaseMapping.Equals(r.Name, _status.Current)).ToList();
        if (others.Count > 0)
        {
            spans.Add(new Span("| ", bar));
            foreach (var room in others)
            {
                spans.Add(room.Unread > 0
                    ? new Span($"{room.Name}({room.Unread}) ", bar with { Bold = true, Color = TermColor.Yellow })
                    : new Span(room.Name + " ", bar));
            }
        }

        spans.Add(new Span("| " + _status.Connection + " ", bar));
        int used = 0;
        foreach (var span in spans)
        {
            string text = Fit(span.Text, Width - used);
            _terminal.Write(text, span.Style);
            used += CharWidth.Of(text);
        }

        if (used < Width)
        {
            _terminal.Write(new string(' ', Width - used), bar);
        }
    }

    private void DrawInput()
    {
        _terminal.CursorTo(InputRow, 0);
        _terminal.ClearToEndOfLine();
        if (!_showInput)
        {
            return;
        }

        string prompt = Fit(_prompt, Width / 2);
        int promptWidth = CharWidth.Of(prompt);
        int room = Math.Max(Width - promptWidth - 1, 1);

        // Scroll the text sideways so the cursor stays in view.
        var clusters = CharWidth.Clusters(_input).ToList();
        int cursorCluster = 0, index = 0;
        while (cursorCluster < clusters.Count && index < _cursor)
        {
            index += clusters[cursorCluster].Cluster.Length;
            cursorCluster++;
        }

        int first = 0, before = clusters.Take(cursorCluster).Sum(c => c.Width);
        while (before > room && first < cursorCluster)
        {
            before -= clusters[first].Width;
            first++;
        }

        var shown = new System.Text.StringBuilder();
        int used = 0;
        for (int i = first; i < clusters.Count && used + clusters[i].Width <= room; i++)
        {
            shown.Append(clusters[i].Cluster);
            used += clusters[i].Width;
        }

        _terminal.Write(prompt, new TextStyle(Bold: true));
        _terminal.Write(shown.ToString());
        _terminal.CursorTo(InputRow, promptWidth + before);
    }

    /// <summary>The longest start of <paramref name="text"/> that fits in <paramref name="columns"/>.</summary>
    private static string Fit(string text, int columns)
    {
        if (columns <= 0)
        {
            return "";
        }

        var fitted = new System.Text.StringBuilder();
        int used = 0;
        foreach (var (cluster, width) in CharWidth.Clusters(text))
        {
            if (used + width > columns)
            {
                break;
            }

            fitted.Append(cluster);
            used += width;
        }

        return fitted.ToString();
    }
}
