using System.Security.Cryptography;

namespace Chat.Server.Accounts;

/// <summary>
/// Password hashing: a PBKDF2-SHA256 verifier for PLAIN, and SCRAM-SHA-256 keys
/// with a separate salt (so the stored verifier is not the SCRAM salted
/// password, which would let its holder log in). Comparisons are constant-time.
/// </summary>
/// <remarks>Passwords are taken as their UTF-8 bytes; SASLprep is not applied.</remarks>
public static class AccountHashing
{
    public const int MinIterations = Security.PasswordHasher.MinimumIterations;
    public const int SaltBytes = Security.PasswordHasher.SaltBytes;
    public const int HashBytes = Security.PasswordHasher.HashBytes;

    public static AccountRecord Create(string name, string? email, string password, int iterations)
    {
        iterations = Math.Max(iterations, MinIterations);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var verifier = new PasswordVerifier(salt, iterations, Derive(password, salt, iterations));
        return new AccountRecord(name, Chat.Core.Protocol.IrcCaseMapping.Fold(name), email, DateTimeOffset.UtcNow, verifier, Scram(password, iterations));
    }

    public static byte[] Derive(string password, byte[] salt, int iterations) =>
        Security.PasswordHasher.Derive(password, salt, iterations);

    /// <summary>Whether <paramref name="password"/> matches, compared in constant time.</summary>
    public static bool Verify(PasswordVerifier verifier, string password) =>
        CryptographicOperations.FixedTimeEquals(Derive(password, verifier.Salt, verifier.Iterations), verifier.Hash);

    public static ScramCredentials Scram(string password, int iterations)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] salted = Derive(password, salt, iterations);
        byte[] clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        byte[] storedKey = SHA256.HashData(clientKey);
        byte[] serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        CryptographicOperations.ZeroMemory(salted);
        return new ScramCredentials(salt, iterations, storedKey, serverKey);
    }
}
