using System.Text;

namespace Chat.Client.Terminal;

/// <summary>
/// The text being typed and the cursor in it. Pure state: keys in, text out;
/// <see cref="TerminalView"/> draws it.
/// </summary>
public sealed class LineEditor
{
    private readonly StringBuilder _text = new();

    public string Text => _text.ToString();

    /// <summary>Cursor position as an index into <see cref="Text"/>.</summary>
    public int Cursor { get; private set; }

    /// <summary>Applies a key; returns the finished line on Enter, otherwise null.</summary>
    public string? Apply(ConsoleKeyInfo key)
    {
        switch (key.Key)
        {
            case ConsoleKey.Enter:
                string line = _text.ToString();
                _text.Clear();
                Cursor = 0;
                return line;
            case ConsoleKey.Backspace:
                if (Cursor > 0)
                {
                    int width = Cursor > 1 && char.IsSurrogatePair(_text[Cursor - 2], _text[Cursor - 1]) ? 2 : 1;
                    _text.Remove(Cursor - width, width);
                    Cursor -= width;
                }

                break;
            case ConsoleKey.Delete:
                if (Cursor < _text.Length)
                {
                    int width = Cursor + 1 < _text.Length && char.IsSurrogatePair(_text[Cursor], _text[Cursor + 1]) ? 2 : 1;
                    _text.Remove(Cursor, width);
                }

                break;
            case ConsoleKey.LeftArrow:
                Cursor = Math.Max(0, Cursor - 1);
                break;
            case ConsoleKey.RightArrow:
                Cursor = Math.Min(_text.Length, Cursor + 1);
                break;
            case ConsoleKey.Home:
                Cursor = 0;
                break;
            case ConsoleKey.End:
                Cursor = _text.Length;
                break;
            default:
                if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key == ConsoleKey.U)
                {
                    _text.Remove(0, Cursor);
                    Cursor = 0;
                }
                else if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
                {
                    _text.Insert(Cursor, key.KeyChar);
                    Cursor++;
                }

                break;
        }

        return null;
    }
}
