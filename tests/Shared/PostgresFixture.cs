using Npgsql;

namespace Chat.Tests.Shared;

/// <summary>
/// One throwaway PostgreSQL cluster for the tests of a class or collection; each
/// test asks for a database of its own with <see cref="CreateDatabaseAsync"/>.
/// Shared by every test project that needs PostgreSQL.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private int _databases;

    public PostgresCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await PostgresCluster.StartAsync();

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        // Through a connection rather than createdb: no process to start for each test.
        string name = $"{prefix}_{Interlocked.Increment(ref _databases)}";
        // Not pooled: a test may have restarted the server since the last one.
        await using var connection = new NpgsqlConnection(Cluster.ConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return Cluster.ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Cluster.DisposeAsync();
    }
}
