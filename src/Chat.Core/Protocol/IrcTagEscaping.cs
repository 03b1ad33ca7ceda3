using System.Text;

namespace Chat.Core.Protocol;

/// <summary>The IRCv3 message-tags value escaping: ; space \ CR LF.</summary>
public static class IrcTagEscaping
{
    public static string Escape(string value)
    {
        if (value.AsSpan().IndexOfAny("; \\\r\n".AsSpan()) < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 8);
        foreach (char c in value)
        {
            sb.Append(c switch
            {
                ';' => "\\:",
                ' ' => "\\s",
                '\\' => "\\\\",
                '\r' => "\\r",
                '\n' => "\\n",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    /// <summary>Undoes <see cref="Escape"/>; an unknown escape yields the character itself and a lone trailing backslash is dropped.</summary>
    public static string Unescape(string value)
    {
        if (!value.Contains('\\'))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            if (++i == value.Length)
            {
                break;
            }

            sb.Append(value[i] switch
            {
                ':' => ';',
                's' => ' ',
                'r' => '\r',
                'n' => '\n',
                char other => other,
            });
        }

        return sb.ToString();
    }
}
