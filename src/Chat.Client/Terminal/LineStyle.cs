using System.Text;
using Chat.Core.Protocol;

namespace Chat.Client.Terminal;

/// <summary>A piece of text in one style.</summary>
public readonly record struct Span(string Text, TextStyle Style);

/// <summary>A line ready to draw: styled pieces, the column wrapped rows start at, and whether it mentions us.</summary>
public sealed record StyledLine(IReadOnlyList<Span> Spans, int Indent, bool Mentioned);

/// <summary>
/// How a <see cref="ChatLine"/> looks in a terminal: a local-time "HH:mm"
/// stamp, the room in cyan when it is not the current one, each nick in its own
/// colour, private messages magenta, notices yellow, other events grey, and the
/// line in reverse video when it mentions us. Pure, so it is tested as is.
/// </summary>
public static class LineStyle
{
    /// <summary>Colours nicks get: readable on dark and light backgrounds alike.</summary>
    private static readonly TermColor[] Palette =
    [
        TermColor.Red, TermColor.Green, TermColor.Yellow, TermColor.Blue, TermColor.Magenta, TermColor.Cyan,
        TermColor.BrightRed, TermColor.BrightGreen, TermColor.BrightBlue, TermColor.BrightMagenta, TermColor.BrightCyan,
    ];

    /// <summary>The same nick always gets the same colour, whatever its case, in every session (FNV-1a of the folded nick).</summary>
    public static TermColor NickColor(string nick)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(IrcCaseMapping.Fold(nick)))
        {
            hash = (hash ^ b) * 16777619;
        }

        return Palette[hash % (uint)Palette.Length];
    }

    /// <summary>True when <paramref name="text"/> names <paramref name="nick"/> as a word ("Juan:", "hola juan!"), not inside another word ("Juanita").</summary>
    public static bool Mentions(string text, string nick)
    {
        if (nick.Length == 0)
        {
            return false;
        }

        string folded = IrcCaseMapping.Fold(text);
        string target = IrcCaseMapping.Fold(nick);
        for (int at = folded.IndexOf(target, StringComparison.Ordinal); at >= 0; at = folded.IndexOf(target, at + 1, StringComparison.Ordinal))
        {
            int end = at + target.Length;
            if ((at == 0 || !IsNickChar(folded[at - 1])) && (end == folded.Length || !IsNickChar(folded[end])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Styles <paramref name="line"/> for a user called <paramref name="me"/>, stamped with <paramref name="now"/> unless it has its own time.</summary>
    public static StyledLine Style(ChatLine line, string? me, DateTimeOffset now)
    {
        var spans = new List<Span>();
        string stamp = (line.Time ?? now).ToLocalTime().ToString("HH:mm ", System.Globalization.CultureInfo.InvariantCulture);
        spans.Add(new Span(stamp, new TextStyle(TermColor.Gray)));

        string text = line.Text;
        if (line.Room is { } room && text.StartsWith($"[{room}] ", StringComparison.Ordinal))
        {
            spans.Add(new Span($"[{room}] ", new TextStyle(TermColor.Cyan)));
            text = text[(room.Length + 3)..];
        }

        bool fromOther = line.Nick is not null && me is not null && !IrcCaseMapping.Equals(line.Nick, me);
        bool mentioned = line.Kind is LineKind.Message or LineKind.Action or LineKind.Private or LineKind.Notice
            && fromOther && line.Body is not null && Mentions(line.Body, me!);
        var baseStyle = line.Kind switch
        {
            LineKind.Private => new TextStyle(TermColor.Magenta),
            LineKind.Notice => new TextStyle(TermColor.Yellow),
            LineKind.Info => new TextStyle(TermColor.Gray),
            _ => TextStyle.Plain,
        };
        if (mentioned)
        {
            baseStyle = baseStyle with { Bold = true, Reverse = true };
        }

        int nickAt = line.Nick is null ? -1 : text.IndexOf(line.Nick, StringComparison.Ordinal);
        if (nickAt < 0)
        {
            spans.Add(new Span(text, baseStyle));
        }
        else
        {
            int after = nickAt + line.Nick!.Length;
            Add(spans, text[..nickAt], baseStyle);
            spans.Add(new Span(line.Nick, baseStyle with { Color = NickColor(line.Nick), Bold = true }));
            Add(spans, text[after..], baseStyle);
        }

        // Wrapped rows of a message start under its first word, not under the time.
        int indent = CharWidth.Of(stamp);
        if (line.Body is { Length: > 0 } body && line.Text.EndsWith(body, StringComparison.Ordinal))
        {
            indent = CharWidth.Of(stamp) + CharWidth.Of(line.Text[..^body.Length]);
        }

        return new StyledLine(spans, indent, mentioned);
    }

    /// <summary>
    /// Cuts a styled line into rows of at most <paramref name="width"/> columns,
    /// breaking after spaces where it can; rows after the first start with
    /// <paramref name="indent"/> spaces (at most half the width).
    /// </summary>
    public static List<List<Span>> Wrap(IReadOnlyList<Span> spans, int indent, int width)
    {
        width = Math.Max(width, 2);
        indent = Math.Min(indent, width / 2);
        var cells = new List<(string Cluster, int Width, TextStyle Style)>();
        foreach (var span in spans)
        {
            foreach (var (cluster, w) in CharWidth.Clusters(span.Text))
            {
                cells.Add((cluster, w, span.Style));
            }
        }

        var rows = new List<List<Span>>();
        int i = 0;
        while (i < cells.Count || rows.Count == 0)
        {
            int room = rows.Count == 0 ? width : width - indent;
            int used = 0, end = i, lastSpace = -1;
            while (end < cells.Count && used + cells[end].Width <= room)
            {
                if (cells[end].Cluster == " ")
                {
                    lastSpace = end;
                }

                used += cells[end].Width;
                end++;
            }

            if (end < cells.Count && cells[end].Cluster != " " && lastSpace > i)
            {
                end = lastSpace + 1;
            }
            else if (end == i && i < cells.Count)
            {
                end = i + 1; // A character wider than the row: put it on a row of its own.
            }

            var row = new List<Span>();
            if (rows.Count > 0 && indent > 0)
            {
                row.Add(new Span(new string(' ', indent), TextStyle.Plain));
            }

            for (int k = i; k < end; k++)
            {
                if (row.Count > 0 && row[^1].Style == cells[k].Style)
                {
                    row[^1] = row[^1] with { Text = row[^1].Text + cells[k].Cluster };
                }
                else
                {
                    row.Add(new Span(cells[k].Cluster, cells[k].Style));
                }
            }

            rows.Add(row);
            i = end;
            while (i < cells.Count && rows.Count > 0 && cells[i].Cluster == " " && i > 0)
            {
                i++; // Spaces at a break vanish.
            }
        }

        return rows;
    }

    private static void Add(List<Span> spans, string text, TextStyle style)
    {
        if (text.Length > 0)
        {
            spans.Add(new Span(text, style));
        }
    }

    private static bool IsNickChar(char c) => char.IsLetterOrDigit(c) || "-_[]{}\\|^`".Contains(c);
}
