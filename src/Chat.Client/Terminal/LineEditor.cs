using System.Globalization;
using System.Text;

namespace Chat.Client.Terminal;

/// <summary>
/// The text being typed and the cursor in it, with readline's keys: cursor
/// keys and Home/End (Ctrl+A/E), word jumps (Ctrl+Left/Right, Alt+B/F),
/// Backspace/Delete, Ctrl+U/Ctrl+W/Ctrl+K, history with Up/Down and Tab
/// completion of nicks and /commands. Pure state: keys in, text out; the
/// cursor moves by whole characters (grapheme clusters), never inside one.
/// </summary>
public sealed class LineEditor
{
    private const int HistoryLimit = 500;

    private readonly StringBuilder _text = new();
    private readonly List<string> _history = [];
    private int _historyIndex;
    private string _draft = "";
    private Completion? _completion;

    public string Text => _text.ToString();

    /// <summary>Cursor position as an index into <see cref="Text"/>.</summary>
    public int Cursor { get; private set; }

    /// <summary>Nicks Tab completes (the current room's members); none when not set.</summary>
    public Func<IReadOnlyList<string>> Nicks { get; set; } = () => [];

    /// <summary>Commands Tab completes at the start of the line, with their '/'.</summary>
    public IReadOnlyList<string> Commands { get; set; } = [];

    /// <summary>Lines entered so far, oldest first.</summary>
    public IReadOnlyList<string> History => _history;

    /// <summary>Applies a key; returns the finished line on Enter, otherwise null.</summary>
    public string? Apply(ConsoleKeyInfo key)
    {
        bool control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
        bool alt = key.Modifiers.HasFlag(ConsoleModifiers.Alt);
        if (key.Key != ConsoleKey.Tab)
        {
            _completion = null;
        }

        switch (key.Key)
        {
            case ConsoleKey.Enter:
                return Finish();
            case ConsoleKey.Tab:
                Complete();
                break;
            case ConsoleKey.Backspace when control || alt:
            case ConsoleKey.W when control:
                DeleteWordBefore();
                break;
            case ConsoleKey.Backspace:
                if (Cursor > 0)
                {
                    int start = PreviousBoundary(Cursor);
                    _text.Remove(start, Cursor - start);
                    Cursor = start;
                }

                break;
            case ConsoleKey.Delete:
            case ConsoleKey.D when control:
                if (Cursor < _text.Length)
                {
                    _text.Remove(Cursor, NextBoundary(Cursor) - Cursor);
                }

                break;
            case ConsoleKey.LeftArrow when control || alt:
            case ConsoleKey.B when alt:
                Cursor = WordStartBefore(Cursor);
                break;
            case ConsoleKey.RightArrow when control || alt:
            case ConsoleKey.F when alt:
                Cursor = WordEndAfter(Cursor);
                break;
            case ConsoleKey.LeftArrow:
            case ConsoleKey.B when control:
                Cursor = PreviousBoundary(Cursor);
                break;
            case ConsoleKey.RightArrow:
            case ConsoleKey.F when control:
                Cursor = NextBoundary(Cursor);
                break;
            case ConsoleKey.Home:
            case ConsoleKey.A when control:
                Cursor = 0;
                break;
            case ConsoleKey.End:
            case ConsoleKey.E when control:
                Cursor = _text.Length;
                break;
            case ConsoleKey.U when control:
                _text.Remove(0, Cursor);
                Cursor = 0;
                break;
            case ConsoleKey.K when control:
                _text.Remove(Cursor, _text.Length - Cursor);
                break;
            case ConsoleKey.UpArrow:
                Recall(-1);
                break;
            case ConsoleKey.DownArrow:
                Recall(+1);
                break;
            default:
                if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar) && !control && !alt)
                {
                    _text.Insert(Cursor, key.KeyChar);
                    Cursor++;
                }

                break;
        }

        return null;
    }

    /// <summary>Inserts text at the cursor (pasted text, or characters of a surrogate pair arriving apart).</summary>
    public void Insert(string text)
    {
        _text.Insert(Cursor, text);
        Cursor += text.Length;
    }

    private string Finish()
    {
        string line = _text.ToString();
        _text.Clear();
        Cursor = 0;
        if (line.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != line))
        {
            _history.Add(line);
            if (_history.Count > HistoryLimit)
            {
                _history.RemoveAt(0);
            }
        }

        _historyIndex = _history.Count;
        _draft = "";
        return line;
    }

    /// <summary>Up (-1) or Down (+1) through the history; below the newest entry is what was being typed.</summary>
    private void Recall(int step)
    {
        int next = _historyIndex + step;
        if (next < 0 || next > _history.Count)
        {
            return;
        }

        if (_historyIndex == _history.Count)
        {
            _draft = _text.ToString();
        }

        _historyIndex = next;
        Replace(next == _history.Count ? _draft : _history[next]);
    }

    private void Replace(string text)
    {
        _text.Clear().Append(text);
        Cursor = _text.Length;
    }

    private void DeleteWordBefore()
    {
        int start = WordStartBefore(Cursor);
        _text.Remove(start, Cursor - start);
        Cursor = start;
    }

    private int WordStartBefore(int position)
    {
        while (position > 0 && _text[position - 1] == ' ')
        {
            position--;
        }

        while (position > 0 && _text[position - 1] != ' ')
        {
            position--;
        }

        return position;
    }

    private int WordEndAfter(int position)
    {
        while (position < _text.Length && _text[position] == ' ')
        {
            position++;
        }

        while (position < _text.Length && _text[position] != ' ')
        {
            position++;
        }

        return position;
    }

    /// <summary>Start of the grapheme cluster before <paramref name="position"/>.</summary>
    private int PreviousBoundary(int position)
    {
        int previous = 0;
        foreach (int start in StringInfo.ParseCombiningCharacters(_text.ToString()))
        {
            if (start >= position)
            {
                break;
            }

            previous = start;
        }

        return previous;
    }

    /// <summary>End of the grapheme cluster at <paramref name="position"/>.</summary>
    private int NextBoundary(int position)
    {
        if (position >= _text.Length)
        {
            return _text.Length;
        }

        foreach (int start in StringInfo.ParseCombiningCharacters(_text.ToString()))
        {
            if (start > position)
            {
                return start;
            }
        }

        return _text.Length;
    }

    /// <summary>
    /// Tab: completes the word before the cursor, a /command at the start of the
    /// line or a nick elsewhere ("Ana: " at the start, "Ana " later); Tab again
    /// cycles through the other matches.
    /// </summary>
    private void Complete()
    {
        if (_completion is { } c)
        {
            _text.Remove(c.Start, Cursor - c.Start);
            Cursor = c.Start;
            c.Index = (c.Index + 1) % c.Matches.Count;
            Insert(c.Matches[c.Index] + c.Suffix);
            return;
        }

        int start = Cursor;
        while (start > 0 && _text[start - 1] != ' ')
        {
            start--;
        }

        string word = _text.ToString(start, Cursor - start);
        if (word.Length == 0)
        {
            return;
        }

        bool command = start == 0 && word.StartsWith('/');
        var candidates = command ? Commands : Nicks();
        var matches = candidates
            .Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (matches.Count == 0)
        {
            return;
        }

        string suffix = command || start > 0 ? " " : ": ";
        _text.Remove(start, Cursor - start);
        Cursor = start;
        Insert(matches[0] + suffix);
        if (matches.Count > 1)
        {
            _completion = new Completion(start, matches, suffix);
        }
    }

    private sealed class Completion(int start, List<string> matches, string suffix)
    {
        public int Start { get; } = start;

        public List<string> Matches { get; } = matches;

        public string Suffix { get; } = suffix;

        public int Index { get; set; }
    }
}
