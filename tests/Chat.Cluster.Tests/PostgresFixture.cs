using Chat.Tests.Shared;

namespace Chat.Cluster.Tests;

/// <summary>One throwaway PostgreSQL cluster per test class; each test takes a fresh database from it.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private int _databases;

    public PostgresCluster Postgres { get; private set; } = null!;

    public async Task InitializeAsync() => Postgres = await PostgresCluster.StartAsync();

    public async Task DisposeAsync() => await Postgres.DisposeAsync();

    /// <summary>A new, empty database and its connection string.</summary>
    public Task<string> NewDatabaseAsync() => Postgres.CreateDatabaseAsync($"chat{Interlocked.Increment(ref _databases)}");
}
