using Chat.Server.Configuration;
using Npgsql;

namespace Chat.Server.Tests;

/// <summary>The Cluster keys (--database, --node-name, CHAT_Cluster__*) and how they are checked.</summary>
public sealed class ClusterConfigurationTests : IDisposable
{
    private readonly string _prefix = $"CHATTEST_{Guid.NewGuid():N}_";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"chat-config-{Guid.NewGuid():N}");
    private readonly List<string> _variables = new();

    public ClusterConfigurationTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        foreach (string name in _variables)
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Without_a_database_the_server_keeps_sqlite_and_the_cluster_defaults()
    {
        var cluster = Load(null).Server.Cluster;
        Assert.Equal(new Cluster.ClusterOptions(), cluster);
        Assert.Null(cluster.Database);
    }

    [Fact]
    public void The_file_maps_every_cluster_key_and_a_url_becomes_a_connection_string()
    {
        string file = Write("""
            { "Cluster": { "Database": "postgresql://chat:pw@db.local:5433/chat?sslmode=require", "NodeName": "node-a",
                           "HeartbeatSeconds": 3, "NodeTimeoutSeconds": 15 } }
            """);
        var cluster = Load(file).Server.Cluster;
        var b = new NpgsqlConnectionStringBuilder(cluster.Database);
        Assert.Equal("db.local", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("chat", b.Database);
        Assert.Equal("chat", b.Username);
        Assert.Equal("pw", b.Password);
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal("node-a", cluster.NodeName);
        Assert.Equal(TimeSpan.FromSeconds(3), cluster.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(15), cluster.NodeTimeout);
    }

    [Fact]
    public void The_environment_sets_the_database_and_command_line_options_win()
    {
        SetVariable("Cluster__Database", "Host=env-db;Database=chat");
        SetVariable("Cluster__NodeName", "env-node");
        var fromEnvironment = Load(null).Server.Cluster;
        Assert.Equal("env-db", new NpgsqlConnectionStringBuilder(fromEnvironment.Database).Host);
        Assert.Equal("env-node", fromEnvironment.NodeName);

        var fromCommandLine = Load(null, "--database", "postgres://cli-db/chat", "--node-name", "cli-node").Server.Cluster;
        Assert.Equal("cli-db", new NpgsqlConnectionStringBuilder(fromCommandLine.Database).Host);
        Assert.Equal("cli-node", fromCommandLine.NodeName);
    }

    [Fact]
    public void A_malformed_database_names_its_source_and_key_but_not_the_password()
    {
        string error = LoadError(null, "--database", "postgresql://chat:very-secret@db:notaport/chat");
        Assert.StartsWith("command-line option --database:", error, StringComparison.Ordinal);
        Assert.Contains("Cluster:Database", error, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", error, StringComparison.Ordinal);

        SetVariable("Cluster__Database", "Host=db;Password=very-secret;Colour=blue");
        error = LoadError(null);
        Assert.StartsWith($"environment variable {_prefix}Cluster__Database:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Cluster": { "Database": "" } }""", "Cluster:Database")]
    [InlineData("""{ "Cluster": { "NodeName": "two words" } }""", "Cluster:NodeName")]
    [InlineData("""{ "Cluster": { "HeartbeatSeconds": 0 } }""", "Cluster:HeartbeatSeconds")]
    [InlineData("""{ "Cluster": { "HeartbeatSeconds": 5, "NodeTimeoutSeconds": 5 } }""", "Cluster:NodeTimeoutSeconds")]
    [InlineData("""{ "Cluster": { "HeartbeatSeconds": 30 } }""", "Cluster:HeartbeatSeconds")]
    [InlineData("""{ "Cluster": { "Databse": "Host=db" } }""", "Cluster:Databse")]
    [InlineData("""{ "Cluster": "Host=db" }""", "Cluster")]
    public void Each_bad_cluster_value_names_its_key(string json, string key)
    {
        string file = Write(json);
        string error = LoadError(file);
        Assert.StartsWith(file + ":", error, StringComparison.Ordinal);
        Assert.Contains(key, error, StringComparison.Ordinal);
    }

    private string Write(string json)
    {
        string path = Path.Combine(_folder, $"chat-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private void SetVariable(string name, string value)
    {
        _variables.Add(_prefix + name);
        Environment.SetEnvironmentVariable(_prefix + name, value);
    }

    private ServeSettings Load(string? file, params string[] commandLine) => ServerConfiguration.Load(file, commandLine, _prefix);

    private string LoadError(string? file, params string[] commandLine)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(file, commandLine));
        Assert.DoesNotContain('\n', error.Message);
        return error.Message;
    }
}
