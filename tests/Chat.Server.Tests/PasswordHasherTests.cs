using Chat.Server.Security;

namespace Chat.Server.Tests;

public class PasswordHasherTests
{
    private static readonly Lazy<string> Sample = new(() => PasswordHasher.Hash("s3cret"));

    [Fact]
    public void Hash_is_self_describing_pbkdf2_sha256_with_600000_iterations_a_16_byte_salt_and_32_byte_hash()
    {
        string[] parts = Sample.Value.Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal("600000", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
        Assert.True(PasswordHasher.IsWellFormed(Sample.Value, out _));
    }

    [Fact]
    public void Verify_accepts_the_password_and_rejects_others()
    {
        Assert.True(PasswordHasher.Verify("s3cret", Sample.Value));
        Assert.False(PasswordHasher.Verify("S3cret", Sample.Value));
        Assert.False(PasswordHasher.Verify("", Sample.Value));
    }

    [Fact]
    public void Each_hash_has_its_own_salt()
    {
        string again = PasswordHasher.Hash("s3cret");
        Assert.NotEqual(Sample.Value, again);
        Assert.True(PasswordHasher.Verify("s3cret", again));
    }

    [Fact]
    public void Unicode_passwords_round_trip()
    {
        string hash = PasswordHasher.Hash("contraseña ñandú");
        Assert.True(PasswordHasher.Verify("contraseña ñandú", hash));
        Assert.False(PasswordHasher.Verify("contrasena nandu", hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain-text-password")]
    [InlineData("bcrypt$600000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$many$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$600000$not base64!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$600000$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA==")]
    public void Malformed_hashes_are_reported_and_never_verify(string encoded)
    {
        Assert.False(PasswordHasher.IsWellFormed(encoded, out string problem));
        Assert.False(string.IsNullOrEmpty(problem));
        Assert.False(PasswordHasher.Verify("anything", encoded));
    }

    [Fact]
    public void Hashing_with_too_few_iterations_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordHasher.Hash("x", iterations: 1000));
    }
}
