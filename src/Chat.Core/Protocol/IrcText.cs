using System.Text;

namespace Chat.Core.Protocol;

/// <summary>Helpers for message text that must fit in IRC lines.</summary>
public static class IrcText
{
    /// <summary>
    /// Cuts text into pieces of at most <paramref name="maxBytes"/> UTF-8 bytes,
    /// after a space where there is one and never inside a character. The pieces
    /// put back together are the text.
    /// </summary>
    public static IEnumerable<string> SplitUtf8(string text, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 4);
        int start = 0;
        while (start < text.Length)
        {
            int end = start;
            int bytes = 0;
            int lastSpace = -1;
            while (end < text.Length)
            {
                int width = char.IsSurrogatePair(text, end) ? 2 : 1;
                int size = Encoding.UTF8.GetByteCount(text.AsSpan(end, width));
                if (bytes + size > maxBytes)
                {
                    break;
                }

                if (text[end] == ' ')
                {
                    lastSpace = end;
                }

                bytes += size;
                end += width;
            }

            if (end < text.Length && lastSpace > start)
            {
                end = lastSpace + 1;
            }

            yield return text[start..end];
            start = end;
        }
    }

    /// <summary>
    /// How many bytes of text fit in ":prefix COMMAND target :text" within the
    /// 510-byte limit; what a server relays is what counts.
    /// </summary>
    public static int RoomForText(string prefix, string command, string target) =>
        IrcLimits.MaxBody - Encoding.UTF8.GetByteCount(prefix) - command.Length - Encoding.UTF8.GetByteCount(target) - 5;

    /// <summary>
    /// Text a client sent, made safe to echo as a middle parameter of a reply
    /// (such as the nick in ERR_NOSUCHNICK): itself when it is one word that does
    /// not start with ':', "*" otherwise, so a reply can never be malformed.
    /// </summary>
    public static string Echo(string value) =>
        value.Length > 0 && value[0] != ':' && value.AsSpan().IndexOfAny(" \r\n\0") < 0 ? value : "*";

    /// <summary>Cuts text to at most <paramref name="maxChars"/> UTF-16 units, never between the halves of a surrogate pair.</summary>
    public static string Truncate(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        int end = maxChars;
        if (end > 0 && char.IsHighSurrogate(text[end - 1]))
        {
            end--;
        }

        return text[..end];
    }
}
