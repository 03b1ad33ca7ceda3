using System.Globalization;
using System.Text;

namespace Chat.Client.Terminal;

/// <summary>
/// How many terminal columns text takes, as wcwidth does: 0 for combining marks
/// and other zero-width characters, 2 for East Asian wide and fullwidth
/// characters (CJK, Hangul, kana) and emoji shown as emoji, 1 otherwise.
/// Text is measured by grapheme cluster (what the user sees as one character),
/// so "e" + U+0301 is one column and a ZWJ family emoji is two.
/// </summary>
public static class CharWidth
{
    /// <summary>Wide (W) and fullwidth (F) ranges of Unicode 15's EastAsianWidth.txt, with the emoji that have Emoji_Presentation.</summary>
    private static readonly (int First, int Last)[] Wide =
    [
        (0x1100, 0x115F), (0x231A, 0x231B), (0x2329, 0x232A), (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3),
        (0x25FD, 0x25FE), (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F), (0x2693, 0x2693), (0x26A1, 0x26A1),
        (0x26AA, 0x26AB), (0x26BD, 0x26BE), (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA),
        (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD), (0x2705, 0x2705), (0x270A, 0x270B),
        (0x2728, 0x2728), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
        (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55), (0x2E80, 0x303E),
        (0x3041, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA000, 0xA4CF), (0xA960, 0xA97F), (0xAC00, 0xD7A3),
        (0xF900, 0xFAFF), (0xFE10, 0xFE19), (0xFE30, 0xFE6F), (0xFF00, 0xFF60), (0xFFE0, 0xFFE6), (0x16FE0, 0x16FE4),
        (0x17000, 0x18CFF), (0x1B000, 0x1B2FF), (0x1F004, 0x1F004), (0x1F0CF, 0x1F0CF), (0x1F18E, 0x1F18E),
        (0x1F191, 0x1F19A), (0x1F200, 0x1F202), (0x1F210, 0x1F23B), (0x1F240, 0x1F248), (0x1F250, 0x1F251),
        (0x1F260, 0x1F265), (0x1F300, 0x1F320), (0x1F32D, 0x1F335), (0x1F337, 0x1F37C), (0x1F37E, 0x1F393),
        (0x1F3A0, 0x1F3CA), (0x1F3CF, 0x1F3D3), (0x1F3E0, 0x1F3F0), (0x1F3F4, 0x1F3F4), (0x1F3F8, 0x1F43E),
        (0x1F440, 0x1F440), (0x1F442, 0x1F4FC), (0x1F4FF, 0x1F53D), (0x1F54B, 0x1F54E), (0x1F550, 0x1F567),
        (0x1F57A, 0x1F57A), (0x1F595, 0x1F596), (0x1F5A4, 0x1F5A4), (0x1F5FB, 0x1F64F), (0x1F680, 0x1F6C5),
        (0x1F6CC, 0x1F6CC), (0x1F6D0, 0x1F6D2), (0x1F6D5, 0x1F6D7), (0x1F6DC, 0x1F6DF), (0x1F6EB, 0x1F6EC),
        (0x1F6F4, 0x1F6FC), (0x1F7E0, 0x1F7EB), (0x1F7F0, 0x1F7F0), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945),
        (0x1F947, 0x1F9FF), (0x1FA70, 0x1FAFF), (0x20000, 0x2FFFD), (0x30000, 0x3FFFD),
    ];

    private const int EmojiPresentation = 0xFE0F;
    private const int TextPresentation = 0xFE0E;

    /// <summary>Columns one code point takes on its own: 0, 1 or 2.</summary>
    public static int Of(Rune rune)
    {
        int c = rune.Value;
        if (c == 0 || c < 0x20 || (c >= 0x7F && c < 0xA0))
        {
            return 0;
        }

        if (c < 0x300)
        {
            return 1;
        }

        // Hangul medial vowels and final consonants join the syllable before them.
        if (c is >= 0x1160 and <= 0x11FF)
        {
            return 0;
        }

        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.EnclosingMark:
            case UnicodeCategory.Format:
                return 0;
        }

        return IsWide(c) ? 2 : 1;
    }

    /// <summary>Columns one grapheme cluster (a text element) takes.</summary>
    public static int OfCluster(ReadOnlySpan<char> cluster)
    {
        int width = 0;
        bool first = true;
        foreach (var rune in cluster.EnumerateRunes())
        {
            if (first)
            {
                width = Of(rune);
                first = false;
                if (rune.Value is >= 0x1F1E6 and <= 0x1F1FF && cluster.Length > 2)
                {
                    // Two regional indicators are one flag, shown as emoji.
                    return 2;
                }
            }
            else if (rune.Value == EmojiPresentation && width == 1)
            {
                // "❤" + VS16 is the emoji heart, two columns.
                return 2;
            }
            else if (rune.Value == TextPresentation)
            {
                return Math.Min(width, 1);
            }
            else if (width == 0)
            {
                // A cluster that starts with a mark (a lone combining character) takes what its base would.
                width = Of(rune);
            }
        }

        return width;
    }

    /// <summary>Columns <paramref name="text"/> takes on one line.</summary>
    public static int Of(string text)
    {
        int width = 0;
        var clusters = StringInfo.GetTextElementEnumerator(text);
        while (clusters.MoveNext())
        {
            width += OfCluster(clusters.GetTextElement());
        }

        return width;
    }

    /// <summary>The grapheme clusters of <paramref name="text"/> with their widths, in order.</summary>
    public static IEnumerable<(string Cluster, int Width)> Clusters(string text)
    {
        var clusters = StringInfo.GetTextElementEnumerator(text);
        while (clusters.MoveNext())
        {
            string cluster = clusters.GetTextElement();
            yield return (cluster, OfCluster(cluster));
        }
    }

    private static bool IsWide(int c)
    {
        int lo = 0, hi = Wide.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (c < Wide[mid].First)
            {
                hi = mid - 1;
            }
            else if (c > Wide[mid].Last)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }
}
