using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Chat.Server.Security;

/// <summary>
/// Password hashes as self-describing strings:
/// <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;hash, base64&gt;</c>.
/// PBKDF2-HMAC-SHA256 with a 16-byte random salt and a 32-byte hash; checked in
/// constant time. Used for operator passwords; accounts (Accounts/AccountHashing) keep the
/// same derivation in columns instead of a string. A
/// password never leaves this class except as its hash.
/// </summary>
public static class PasswordHasher
{
    public const string Scheme = "pbkdf2-sha256";

    /// <summary>600,000 iterations: OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Hashes with fewer iterations than this are refused as too weak.</summary>
    public const int MinimumIterations = 600_000;

    /// <summary>More than this would let a bad hash string stall the server for minutes.</summary>
    public const int MaximumIterations = 10_000_000;

    public const int SaltBytes = 16;

    public const int HashBytes = 32;

    /// <summary>Hashes <paramref name="password"/> with a fresh random salt.</summary>
    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaximumIterations);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Derive(password, salt, iterations, HashBytes);
        return string.Join('$', Scheme, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>True when <paramref name="password"/> is the one <paramref name="encoded"/> was made from; false for a wrong password or a malformed hash.</summary>
    public static bool Verify(string password, string encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(encoded, out var parsed, out _))
        {
            return false;
        }

        byte[] actual = Derive(password, parsed.Salt, parsed.Iterations, parsed.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(actual, parsed.Hash);
    }

    /// <summary>Checks the shape of a hash string; <paramref name="problem"/> says what is wrong, without echoing the string.</summary>
    public static bool IsWellFormed(string? encoded, out string problem) => TryParse(encoded, out _, out problem);

    private static bool TryParse(string? encoded, out (int Iterations, byte[] Salt, byte[] Hash) parsed, out string problem)
    {
        parsed = default;
        string format = $"{Scheme}$<iterations>$<salt base64>$<hash base64>";
        if (string.IsNullOrEmpty(encoded))
        {
            problem = $"is empty; expected {format} (make one with `chat hash-password`)";
            return false;
        }

        string[] parts = encoded.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme)
        {
            problem = $"is not in the form {format} (make one with `chat hash-password`)";
            return false;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations < MinimumIterations || iterations > MaximumIterations)
        {
            problem = $"has an iteration count that is not a number between {MinimumIterations} and {MaximumIterations}";
            return false;
        }

        byte[] salt, hash;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            problem = "has a salt or hash that is not valid base64";
            return false;
        }

        if (salt.Length < SaltBytes || hash.Length != HashBytes)
        {
            problem = $"needs a salt of at least {SaltBytes} bytes and a hash of {HashBytes} bytes";
            return false;
        }

        parsed = (iterations, salt, hash);
        problem = "";
        return true;
    }

    /// <summary>PBKDF2-HMAC-SHA256 of the password's UTF-8 bytes: the one derivation that operator and account passwords share.</summary>
    public static byte[] Derive(string password, byte[] salt, int iterations, int length = HashBytes) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, length);
}
