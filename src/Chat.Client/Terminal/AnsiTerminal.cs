using System.Text;

namespace Chat.Client.Terminal;

/// <summary>
/// <see cref="ITerminal"/> on the real console: ECMA-48 cursor and erase
/// sequences and SGR colours, batched in one buffer and written on
/// <see cref="Flush"/>. With colours off (--no-color or NO_COLOR), text keeps
/// bold and reverse video but gets no colour.
/// </summary>
public sealed class AnsiTerminal : ITerminal
{
    private const string Esc = "\u001b[";
    private readonly TextWriter _out;
    private readonly bool _colors;
    private readonly StringBuilder _pending = new();
    private TextStyle _style;

    public AnsiTerminal(TextWriter output, bool colors)
    {
        _out = output;
        _colors = colors;
    }

    public int Width => Math.Max(Console.WindowWidth, 10);

    public int Height => Math.Max(Console.WindowHeight, 3);

    public void CursorTo(int row, int column) => _pending.Append(Esc).Append(row + 1).Append(';').Append(column + 1).Append('H');

    public void Write(string text, TextStyle style = default)
    {
        if (style != _style)
        {
            _pending.Append(Sgr(style));
            _style = style;
        }

        _pending.Append(text);
    }

    public void ClearToEndOfLine()
    {
        Reset();
        _pending.Append(Esc).Append('K');
    }

    public void Clear()
    {
        Reset();
        _pending.Append(Esc).Append("2J");
    }

    public void NewLine()
    {
        Reset();
        _pending.Append("\r\n");
    }

    public void Bell() => _pending.Append('\a');

    public void Flush()
    {
        Reset();
        _out.Write(_pending.ToString());
        _out.Flush();
        _pending.Clear();
    }

    private void Reset()
    {
        if (_style != default)
        {
            _pending.Append(Esc).Append("0m");
            _style = default;
        }
    }

    private string Sgr(TextStyle style)
    {
        var codes = new List<string> { "0" };
        if (style.Bold)
        {
            codes.Add("1");
        }

        if (style.Dim)
        {
            codes.Add("2");
        }

        if (style.Reverse)
        {
            codes.Add("7");
        }

        if (_colors && style.Color != TermColor.Default)
        {
            codes.Add(style.Color switch
            {
                TermColor.Gray => "90",
                >= TermColor.BrightRed => (91 + (style.Color - TermColor.BrightRed)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => (30 + (style.Color - TermColor.Black)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }

        return Esc + string.Join(';', codes) + "m";
    }
}
