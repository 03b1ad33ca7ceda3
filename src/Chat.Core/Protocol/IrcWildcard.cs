namespace Chat.Core.Protocol;

/// <summary>
/// IRC masks: '*' matches any run of characters, '?' any one character, and
/// letters compare as <see cref="IrcCaseMapping"/> folds them.
/// </summary>
public static class IrcWildcard
{
    public static bool HasWildcards(string mask) => mask.AsSpan().IndexOfAny('*', '?') >= 0;

    public static bool IsMatch(string mask, string text) =>
        Match(IrcCaseMapping.Fold(mask), IrcCaseMapping.Fold(text));

    // Iterative glob matching with one backtrack point: linear in practice, never exponential.
    private static bool Match(string mask, string text)
    {
        int m = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (m < mask.Length && (mask[m] == '?' || mask[m] == text[t]))
            {
                m++;
                t++;
            }
            else if (m < mask.Length && mask[m] == '*')
            {
                star = m++;
                mark = t;
            }
            else if (star >= 0)
            {
                m = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (m < mask.Length && mask[m] == '*')
        {
            m++;
        }

        return m == mask.Length;
    }
}
