using System.Text;
using System.Text.Unicode;

namespace Chat.Core.Protocol;

/// <summary>Why a line is not an IRC message.</summary>
public enum IrcParseError
{
    None,
    /// <summary>Nothing but spaces: servers ignore such lines silently.</summary>
    Empty,
    InvalidUtf8,
    /// <summary>The tag section is longer than <see cref="IrcLimits.MaxTags"/>.</summary>
    TagsTooLong,
    /// <summary>The message without tags is longer than <see cref="IrcLimits.MaxBody"/>.</summary>
    TooLong,
    /// <summary>A NUL byte, a bad command or a source with nothing after it.</summary>
    Malformed,
}

/// <summary>
/// Parses one IRC line (without its CR LF) into an <see cref="IrcMessage"/>.
/// A pure function over bytes: no state, no allocation when the line is rejected.
/// </summary>
public static class IrcParser
{
    public static IrcParseError TryParse(ReadOnlySpan<byte> line, out IrcMessage? message)
    {
        message = null;
        int pos = SkipSpaces(line, 0);
        if (pos == line.Length)
        {
            return IrcParseError.Empty;
        }

        if (line.IndexOf((byte)0) >= 0)
        {
            return IrcParseError.Malformed;
        }

        if (!Utf8.IsValid(line))
        {
            return IrcParseError.InvalidUtf8;
        }

        Dictionary<string, string>? tags = null;
        if (line[pos] == (byte)'@')
        {
            int end = line[pos..].IndexOf((byte)' ');
            if (end < 0)
            {
                return line.Length - pos > IrcLimits.MaxTags ? IrcParseError.TagsTooLong : IrcParseError.Malformed;
            }

            // The section counts its '@' and the space that ends it.
            if (end + 1 > IrcLimits.MaxTags)
            {
                return IrcParseError.TagsTooLong;
            }

            tags = ParseTags(line.Slice(pos + 1, end - 1));
            pos = SkipSpaces(line, pos + end);
        }

        if (line.Length - pos > IrcLimits.MaxBody)
        {
            return IrcParseError.TooLong;
        }

        string? source = null;
        if (pos < line.Length && line[pos] == (byte)':')
        {
            int end = line[pos..].IndexOf((byte)' ');
            if (end < 0)
            {
                return IrcParseError.Malformed;
            }

            if (end > 1)
            {
                source = Encoding.UTF8.GetString(line.Slice(pos + 1, end - 1));
            }

            pos = SkipSpaces(line, pos + end);
        }

        int cmdEnd = line[pos..].IndexOf((byte)' ');
        ReadOnlySpan<byte> cmd = cmdEnd < 0 ? line[pos..] : line.Slice(pos, cmdEnd);
        if (!IsValidCommand(cmd))
        {
            return IrcParseError.Malformed;
        }

        string command = Encoding.ASCII.GetString(cmd);
        pos = cmdEnd < 0 ? line.Length : pos + cmdEnd;

        var parameters = new List<string>(4);
        while (true)
        {
            pos = SkipSpaces(line, pos);
            if (pos >= line.Length)
            {
                break;
            }

            if (line[pos] == (byte)':' || parameters.Count == IrcLimits.MaxParameters - 1)
            {
                // The trailing parameter takes the rest of the line, spaces included.
                int start = line[pos] == (byte)':' ? pos + 1 : pos;
                parameters.Add(Encoding.UTF8.GetString(line[start..]));
                break;
            }

            int end = line[pos..].IndexOf((byte)' ');
            ReadOnlySpan<byte> p = end < 0 ? line[pos..] : line.Slice(pos, end);
            parameters.Add(Encoding.UTF8.GetString(p));
            pos = end < 0 ? line.Length : pos + end;
        }

        message = new IrcMessage(tags, source, command, parameters);
        return IrcParseError.None;
    }

    /// <summary>Parses a line given as text; convenient in tests and clients.</summary>
    public static IrcMessage Parse(string line)
    {
        var error = TryParse(Encoding.UTF8.GetBytes(line.TrimEnd('\r', '\n')), out var message);
        return error == IrcParseError.None ? message! : throw new FormatException($"Not an IRC message ({error}): {line}");
    }

    private static int SkipSpaces(ReadOnlySpan<byte> line, int pos)
    {
        while (pos < line.Length && line[pos] == (byte)' ')
        {
            pos++;
        }

        return pos;
    }

    private static bool IsValidCommand(ReadOnlySpan<byte> cmd)
    {
        if (cmd.IsEmpty)
        {
            return false;
        }

        if (cmd.Length == 3 && char.IsAsciiDigit((char)cmd[0]) && char.IsAsciiDigit((char)cmd[1]) && char.IsAsciiDigit((char)cmd[2]))
        {
            return true;
        }

        foreach (byte b in cmd)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, string> ParseTags(ReadOnlySpan<byte> section)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var range in section.Split((byte)';'))
        {
            var tag = section[range];
            if (tag.IsEmpty)
            {
                continue;
            }

            int eq = tag.IndexOf((byte)'=');
            ReadOnlySpan<byte> key = eq < 0 ? tag : tag[..eq];
            if (key.IsEmpty)
            {
                continue;
            }

            string value = eq < 0 ? "" : IrcTagEscaping.Unescape(Encoding.UTF8.GetString(tag[(eq + 1)..]));
            tags[Encoding.UTF8.GetString(key)] = value;
        }

        return tags;
    }
}
