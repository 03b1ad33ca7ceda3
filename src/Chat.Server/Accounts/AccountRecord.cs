namespace Chat.Server.Accounts;

/// <summary>
/// A registered account as stored: never the password, only what verifies it.
/// </summary>
/// <param name="Name">The name as registered (its case is kept).</param>
/// <param name="Folded">The name case-folded, the key.</param>
/// <param name="Password">PBKDF2-SHA256 verifier, for PLAIN and NickServ IDENTIFY.</param>
/// <param name="Scram">SCRAM-SHA-256 keys (RFC 5802/7677), with their own salt, so SCRAM works without the clear password.</param>
public sealed record AccountRecord(
    string Name,
    string Folded,
    string? Email,
    DateTimeOffset Created,
    PasswordVerifier Password,
    ScramCredentials Scram);

/// <summary>Hash = PBKDF2-HMAC-SHA256(password, Salt, Iterations), 32 bytes.</summary>
public sealed record PasswordVerifier(byte[] Salt, int Iterations, byte[] Hash);

/// <summary>StoredKey = H(HMAC(SaltedPassword, "Client Key")); ServerKey = HMAC(SaltedPassword, "Server Key").</summary>
public sealed record ScramCredentials(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey);
