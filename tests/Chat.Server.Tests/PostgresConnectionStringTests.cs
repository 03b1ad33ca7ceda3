using Chat.Server.Storage;
using Npgsql;

namespace Chat.Server.Tests;

/// <summary>What --database accepts: Npgsql connection strings and postgresql:// URLs, and clear errors for the rest.</summary>
public class PostgresConnectionStringTests
{
    private static NpgsqlConnectionStringBuilder Parse(string text) => new(PostgresConnectionString.Normalize(text));

    [Fact]
    public void A_url_gives_user_password_host_port_database_and_parameters()
    {
        var b = Parse("postgresql://chat:s%40cret%3Aone@db.example.org:6543/chat_prod?sslmode=verify-full&application_name=chat%20node&connect_timeout=7");
        Assert.Equal("chat", b.Username);
        Assert.Equal("s@cret:one", b.Password);
        Assert.Equal("db.example.org", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal("chat_prod", b.Database);
        Assert.Equal(SslMode.VerifyFull, b.SslMode);
        Assert.Equal("chat node", b.ApplicationName);
        Assert.Equal(7, b.Timeout);
    }

    [Theory]
    [InlineData("postgres://localhost/chat", "localhost", 5432, "chat", null)]
    [InlineData("postgresql://ana@127.0.0.1", "127.0.0.1", 5432, null, "ana")]
    [InlineData("POSTGRESQL://[::1]:5433/db", "::1", 5433, "db", null)]
    [InlineData("postgresql://db:5432/my%20chat?sslmode=disable", "db", 5432, "my chat", null)]
    public void Short_urls_keep_the_defaults(string url, string host, int port, string? database, string? user)
    {
        var b = Parse(url);
        Assert.Equal(host, b.Host);
        Assert.Equal(port, b.Port);
        Assert.Equal(database, b.Database);
        Assert.Equal(user, b.Username);
    }

    [Fact]
    public void A_key_value_string_passes_through_checked()
    {
        var b = Parse("Host=10.0.0.5;Port=5544;Database=chat;Username=chat;Password=pw;SSL Mode=Require;Maximum Pool Size=20");
        Assert.Equal("10.0.0.5", b.Host);
        Assert.Equal(5544, b.Port);
        Assert.Equal("pw", b.Password);
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal(20, b.MaxPoolSize);
    }

    [Fact]
    public void Normalizing_twice_changes_nothing()
    {
        string once = PostgresConnectionString.Normalize("postgresql://u:p@h:1234/d?sslmode=require");
        Assert.Equal(once, PostgresConnectionString.Normalize(once));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("Database=chat;Username=chat", "no host")]
    [InlineData("Host=db;Bogus Key=1;Password=topsecret", "Bogus Key")]
    [InlineData("Host=db;Port=notaport;Password=topsecret", "Port")]
    [InlineData("just some words", "connection string")]
    [InlineData("postgresql://", "host")]
    [InlineData("postgresql://user:topsecret@db:99999/chat", "URL")]
    [InlineData("postgresql://user:topsecret@db:abc/chat", "URL")]
    [InlineData("postgresql://user:topsecret@db/chat/extra", "database name")]
    [InlineData("postgresql://user:topsecret@db/chat?sslmode=sometimes", "sslmode")]
    [InlineData("postgresql://user:topsecret@db/chat?frobnicate=1", "frobnicate")]
    [InlineData("postgresql://user:topsecret@db/chat?noequals", "noequals")]
    [InlineData("postgresql://user:topsecret@db/chat?port=abc", "port")]
    public void Malformed_input_is_a_clear_error_that_never_shows_the_password(string text, string mentioned)
    {
        var error = Assert.Throws<FormatException>(() => PostgresConnectionString.Normalize(text));
        Assert.Contains(mentioned, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("topsecret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("Host=db;Port=5433;Database=chat;Username=ana;Password=pw", "ana@db:5433/chat")]
    [InlineData("Host=::1;Database=chat", "[::1]:5432/chat")]
    [InlineData("Host=a,b;Database=chat", "a,b/chat")]
    public void Describe_names_where_without_the_password(string connectionString, string expected)
    {
        Assert.Equal(expected, PostgresConnectionString.Describe(connectionString));
    }
}
