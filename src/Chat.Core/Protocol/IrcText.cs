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
}
