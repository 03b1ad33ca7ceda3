namespace Chat.Client.Terminal;

/// <summary>
/// The few things the chat screen asks of a terminal: its size, moving the
/// cursor, writing styled text, clearing, a new line that scrolls at the
/// bottom, and the bell. <see cref="AnsiTerminal"/> is the real one; tests use
/// a screen buffer, so what the user sees can be checked cell by cell.
/// </summary>
public interface ITerminal
{
    /// <summary>Columns.</summary>
    int Width { get; }

    /// <summary>Rows.</summary>
    int Height { get; }

    /// <summary>Moves the cursor; rows and columns count from 0.</summary>
    void CursorTo(int row, int column);

    /// <summary>Writes text (no control characters) at the cursor, which moves past it; the caller keeps it within the row.</summary>
    void Write(string text, TextStyle style = default);

    /// <summary>Blanks the cursor's row from the cursor to its end.</summary>
    void ClearToEndOfLine();

    /// <summary>Blanks the whole screen.</summary>
    void Clear();

    /// <summary>Moves to the start of the next row; on the last row, scrolls everything up one row.</summary>
    void NewLine();

    /// <summary>Rings the bell.</summary>
    void Bell();

    /// <summary>Sends what was written.</summary>
    void Flush();
}

/// <summary>The colours text can have: the terminal's default and the 16 ANSI colours.</summary>
public enum TermColor
{
    Default,
    Black,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    White,
    Gray,
    BrightRed,
    BrightGreen,
    BrightYellow,
    BrightBlue,
    BrightMagenta,
    BrightCyan,
}

/// <summary>How a piece of text looks.</summary>
public readonly record struct TextStyle(TermColor Color = TermColor.Default, bool Bold = false, bool Dim = false, bool Reverse = false)
{
    public static readonly TextStyle Plain = default;
}
