namespace Chat.Core.Protocol;

/// <summary>
/// Case-insensitive comparison of nicks and channel names. ASCII letters fold as
/// CASEMAPPING=ascii says; other letters (nicks such as "María") fold with the
/// invariant culture, so "MARÍA" and "maría" are the same person too.
/// </summary>
public static class IrcCaseMapping
{
    public const string Token = "ascii";

    public static string Fold(string name)
    {
        bool ascii = true;
        bool hasUpper = false;
        foreach (char c in name)
        {
            if (c > 0x7F)
            {
                ascii = false;
                break;
            }

            hasUpper |= c is >= 'A' and <= 'Z';
        }

        if (!ascii)
        {
            return name.ToLowerInvariant();
        }

        return hasUpper ? string.Create(name.Length, name, static (dst, src) =>
        {
            for (int i = 0; i < src.Length; i++)
            {
                char c = src[i];
                dst[i] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
            }
        }) : name;
    }

    public static bool Equals(string a, string b) => a.Length == b.Length && Fold(a) == Fold(b);

    /// <summary>A comparer for dictionaries keyed by nick or channel name.</summary>
    public static readonly IEqualityComparer<string> Comparer = new FoldingComparer();

    private sealed class FoldingComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) =>
            x is null || y is null ? ReferenceEquals(x, y) : Fold(x) == Fold(y);

        public int GetHashCode(string obj) => Fold(obj).GetHashCode(StringComparison.Ordinal);
    }
}
