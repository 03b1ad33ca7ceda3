using Chat.Core.Protocol;

namespace Chat.Server;

/// <summary>
/// Client masks ("nick!user@host" with the wildcards <c>*</c> and <c>?</c>), as
/// ban lists and LIST filters use them. Matching folds case the way nicks and
/// channel names do (<see cref="IrcCaseMapping"/>), so "BOB!*@*" bans "bob".
/// </summary>
public static class Masks
{
    /// <summary>The longest mask kept in a list; longer ones are refused, never cut.</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// The full form of a ban mask: "bob" means "bob!*@*", "bob!u" means
    /// "bob!u@*", "u@host" means "*!u@host". Returns null when the text cannot
    /// be a mask (empty, too long, or not sendable as a middle parameter).
    /// </summary>
    public static string? Normalize(string mask)
    {
        if (mask.Length == 0 || mask.Length > MaxLength || mask[0] == ':' || mask.AsSpan().IndexOfAny(" ,\r\n\0\a") >= 0)
        {
            return null;
        }

        int bang = mask.IndexOf('!');
        int at = mask.IndexOf('@', bang + 1);
        string full = (bang, at) switch
        {
            (< 0, < 0) => mask + "!*@*",
            (< 0, _) => "*!" + mask,
            (_, < 0) => mask + "@*",
            _ => mask,
        };

        // Empty parts ("!u@h", "n!@h", "n!u@") match nothing a client can have; read them as "*".
        int b = full.IndexOf('!');
        int a = full.IndexOf('@', b + 1);
        string nick = full[..b], user = full[(b + 1)..a], host = full[(a + 1)..];
        full = $"{(nick.Length == 0 ? "*" : nick)}!{(user.Length == 0 ? "*" : user)}@{(host.Length == 0 ? "*" : host)}";
        return full.Length > MaxLength ? null : full;
    }

    /// <summary>Whether <paramref name="subject"/> matches the glob <paramref name="mask"/>, ignoring case.</summary>
    /// <remarks>Linear-time backtracking over the last '*', so a hostile mask cannot make it slow.</remarks>
    public static bool Matches(string mask, string subject)
    {
        string p = IrcCaseMapping.Fold(mask);
        string s = IrcCaseMapping.Fold(subject);
        int pi = 0, si = 0, star = -1, mark = 0;
        while (si < s.Length)
        {
            if (pi < p.Length && (p[pi] == '?' || p[pi] == s[si]))
            {
                pi++;
                si++;
            }
            else if (pi < p.Length && p[pi] == '*')
            {
                star = pi++;
                mark = si;
            }
            else if (star >= 0)
            {
                pi = star + 1;
                si = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (pi < p.Length && p[pi] == '*')
        {
            pi++;
        }

        return pi == p.Length;
    }

    /// <summary>True when the text has a wildcard, so it is a mask rather than a name.</summary>
    public static bool HasWildcard(string text) => text.AsSpan().IndexOfAny('*', '?') >= 0;
}
