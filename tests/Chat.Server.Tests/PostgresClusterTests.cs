using Chat.Tests.Shared;
using Npgsql;

namespace Chat.Server.Tests;

/// <summary>The throwaway PostgreSQL cluster the store and cluster tests stand on.</summary>
public class PostgresClusterTests
{
    [Fact]
    public async Task A_throwaway_cluster_starts_answers_stops_and_starts_again()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        string db = await cluster.CreateDatabaseAsync("smoke");
        await using (var connection = new NpgsqlConnection(db))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            Assert.Equal("smoke", await command.ExecuteScalarAsync());
        }

        await cluster.StopAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var refused = new NpgsqlConnection(db))
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync());
        }

        await cluster.StartAgainAsync();
        await using var again = new NpgsqlConnection(db);
        await again.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT 1", again);
        Assert.Equal(1, await count.ExecuteScalarAsync());
    }
}
