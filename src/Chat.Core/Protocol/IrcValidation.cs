using System.Globalization;

namespace Chat.Core.Protocol;

/// <summary>What a nick and a channel name may look like on our server.</summary>
public static class IrcValidation
{
    /// <summary>NICKLEN in ISUPPORT.</summary>
    public const int MaxNickLength = 30;

    /// <summary>CHANNELLEN in ISUPPORT.</summary>
    public const int MaxChannelLength = 50;

    /// <summary>
    /// A nick is 1..30 characters: letters (any script, so "María" works), digits
    /// and the RFC 2812 specials []\`_^{|}-. It may not start with a digit or '-'.
    /// </summary>
    public static bool IsValidNick(string nick)
    {
        if (nick.Length is 0 or > MaxNickLength)
        {
            return false;
        }

        if (char.IsAsciiDigit(nick[0]) || nick[0] == '-')
        {
            return false;
        }

        foreach (char c in nick)
        {
            if (char.IsLetterOrDigit(c) || "[]\\`_^{|}-".Contains(c))
            {
                continue;
            }

            // Combining marks (decomposed accents) are part of a letter.
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            return false;
        }

        return true;
    }

    /// <summary>A channel name: '#', then up to 49 characters, none of space, comma, BEL or ':'.</summary>
    public static bool IsValidChannel(string name)
    {
        if (name.Length is < 2 or > MaxChannelLength || name[0] != '#')
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c is ' ' or ',' or '\a' or ':' or '\0' or '\r' or '\n')
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsChannel(string target) => target.Length > 0 && target[0] == '#';
}
