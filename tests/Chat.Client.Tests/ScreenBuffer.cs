using Chat.Client.Terminal;

namespace Chat.Client.Tests;

/// <summary>
/// A virtual terminal: a grid of cells that <see cref="ITerminal"/> calls write
/// into as a real terminal would (wide characters take two cells, a new line on
/// the last row scrolls), so tests read back exactly what a user would see.
/// </summary>
public sealed class ScreenBuffer : ITerminal
{
    /// <summary>Marks the second cell of a wide character.</summary>
    private const string WideTail = "\0";

    private string[,] _cells;
    private TextStyle[,] _styles;

    public ScreenBuffer(int width = 80, int height = 24)
    {
        Width = width;
        Height = height;
        _cells = Blank(width, height);
        _styles = new TextStyle[height, width];
    }

    public int Width { get; private set; }

    public int Height { get; private set; }

    public int CursorRow { get; private set; }

    public int CursorColumn { get; private set; }

    public int Bells { get; private set; }

    /// <summary>Rows that scrolled off the top, oldest first.</summary>
    public List<string> Scrollback { get; } = [];

    /// <summary>The terminal is resized; like xterm, the bottom of the screen stays and the cursor is kept inside.</summary>
    public void Resize(int width, int height)
    {
        var cells = Blank(width, height);
        var styles = new TextStyle[height, width];
        int shift = Math.Max(Height - height, 0);
        for (int r = 0; r < Math.Min(height, Height); r++)
        {
            for (int c = 0; c < Math.Min(width, Width); c++)
            {
                cells[r, c] = _cells[r + shift, c];
                styles[r, c] = _styles[r + shift, c];
            }
        }

        (_cells, _styles, Width, Height) = (cells, styles, width, height);
        CursorRow = Math.Clamp(CursorRow - shift, 0, height - 1);
        CursorColumn = Math.Min(CursorColumn, width - 1);
    }

    /// <summary>Row <paramref name="row"/> as text, without trailing blanks.</summary>
    public string Row(int row)
    {
        var text = new System.Text.StringBuilder();
        for (int c = 0; c < Width; c++)
        {
            if (_cells[row, c] != WideTail)
            {
                text.Append(_cells[row, c]);
            }
        }

        return text.ToString().TrimEnd();
    }

    /// <summary>Every row, top to bottom.</summary>
    public IReadOnlyList<string> Rows => [.. Enumerable.Range(0, Height).Select(Row)];

    /// <summary>The screen as text, for failure messages.</summary>
    public override string ToString() => string.Join("\n", Rows.Select((r, i) => $"{i,2}|{r}"));

    /// <summary>The style of the cell at <paramref name="row"/>, <paramref name="column"/>.</summary>
    public TextStyle StyleAt(int row, int column) => _styles[row, column];

    /// <summary>The column where <paramref name="text"/> starts on <paramref name="row"/>, counting cells, or -1.</summary>
    public int ColumnOf(int row, string text)
    {
        string line = Row(row);
        int at = line.IndexOf(text, StringComparison.Ordinal);
        return at < 0 ? -1 : CharWidth.Of(line[..at]);
    }

    public void CursorTo(int row, int column)
    {
        CursorRow = Math.Clamp(row, 0, Height - 1);
        CursorColumn = Math.Clamp(column, 0, Width - 1);
    }

    public void Write(string text, TextStyle style = default)
    {
        foreach (var (cluster, width) in CharWidth.Clusters(text))
        {
            Assert.False(cluster.Any(char.IsControl), $"Control character written: {text}");
            if (width == 0)
            {
                continue;
            }

            Assert.True(CursorColumn + width <= Width, $"Text runs past the right edge at row {CursorRow}: '{text}'\n{this}");
            _cells[CursorRow, CursorColumn] = cluster;
            _styles[CursorRow, CursorColumn] = style;
            if (width == 2)
            {
                _cells[CursorRow, CursorColumn + 1] = WideTail;
                _styles[CursorRow, CursorColumn + 1] = style;
            }

            CursorColumn = Math.Min(CursorColumn + width, Width - 1);
        }
    }

    public void ClearToEndOfLine()
    {
        for (int c = CursorColumn; c < Width; c++)
        {
            _cells[CursorRow, c] = " ";
            _styles[CursorRow, c] = default;
        }
    }

    public void Clear()
    {
        _cells = Blank(Width, Height);
        _styles = new TextStyle[Height, Width];
    }

    public void NewLine()
    {
        CursorColumn = 0;
        if (CursorRow < Height - 1)
        {
            CursorRow++;
            return;
        }

        Scrollback.Add(Row(0));
        for (int r = 1; r < Height; r++)
        {
            for (int c = 0; c < Width; c++)
            {
                _cells[r - 1, c] = _cells[r, c];
                _styles[r - 1, c] = _styles[r, c];
            }
        }

        for (int c = 0; c < Width; c++)
        {
            _cells[Height - 1, c] = " ";
            _styles[Height - 1, c] = default;
        }
    }

    public void Bell() => Bells++;

    public void Flush()
    {
    }

    private static string[,] Blank(int width, int height)
    {
        var cells = new string[height, width];
        for (int r = 0; r < height; r++)
        {
            for (int c = 0; c < width; c++)
            {
                cells[r, c] = " ";
            }
        }

        return cells;
    }
}
