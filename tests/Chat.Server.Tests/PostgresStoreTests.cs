using System.Globalization;
using Chat.Server.Accounts;
using Chat.Server.Resources;
using Chat.Server.Storage;
using Chat.Tests.Shared;
using Npgsql;

namespace Chat.Server.Tests;

/// <summary>The store suite on PostgreSQL (a database of its own for each test), and what only PostgreSQL has: several nodes, outages.</summary>
[Collection("PostgreSQL")]
public sealed class PostgresStoreTests(PostgresFixture postgres) : StoreTests
{
    private string? _database;

    private async Task<string> DatabaseAsync() => _database ??= await postgres.CreateDatabaseAsync("store");

    protected override async Task<IChatStore> OpenAsync(StoreOptions? options = null) =>
        PostgresChatStore.Open(options ?? new StoreOptions(), await DatabaseAsync());

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(await DatabaseAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Migrations_build_an_empty_database_and_a_reopen_changes_nothing()
    {
        await using (var connection = new NpgsqlConnection(await DatabaseAsync()))
        {
            await connection.OpenAsync();
            Assert.Equal(0, PostgresMigrations.CurrentVersion(connection));
        }

        await using (await OpenAsync())
        {
        }

        await using (var store = await OpenAsync())
        {
            await store.AppendAsync(Msg(1));
        }

        Assert.Equal((long)PostgresMigrations.Latest, await ScalarAsync<long>("SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(PostgresMigrations.Latest, await ScalarAsync<int>("SELECT MAX(version) FROM schema_version"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT COUNT(*) FROM messages"));

        // The store keeps to its own tables: nothing of the cluster's.
        Assert.Equal(0L, await ScalarAsync<long>("SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE 'cluster%'"));
    }

    [Fact]
    public async Task Opening_waits_while_another_node_holds_the_migration_lock()
    {
        string database = await DatabaseAsync();
        await using var other = new NpgsqlConnection(database);
        await other.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({PostgresMigrations.LockKey})", other))
        {
            await take.ExecuteNonQueryAsync();
        }

        var opening = Task.Run(() => PostgresChatStore.Open(new StoreOptions(), database));
        await Task.Delay(1000);
        Assert.False(opening.IsCompleted, "The store migrated while another node held the lock.");

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({PostgresMigrations.LockKey})", other))
        {
            await release.ExecuteNonQueryAsync();
        }

        await using var store = await opening.WaitAsync(TimeSpan.FromSeconds(30));
        await store.AppendAsync(Msg(1));
        Assert.Equal(1, await store.CountAsync());
    }

    [Fact]
    public async Task Several_nodes_opening_one_new_database_at_once_migrate_it_once_and_share_it()
    {
        string database = await DatabaseAsync();
        using var go = new ManualResetEventSlim();
        var opening = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            go.Wait();
            return PostgresChatStore.Open(new StoreOptions(), database);
        })).ToList();
        go.Set();
        var stores = await Task.WhenAll(opening).WaitAsync(TimeSpan.FromSeconds(60));
        try
        {
            Assert.Equal((long)PostgresMigrations.Latest, await ScalarAsync<long>("SELECT COUNT(*) FROM schema_version"));
            await Task.WhenAll(stores.Select((s, n) => s.AppendAsync(Msg(n + 1))));
            foreach (var store in stores)
            {
                Assert.Equal(N(1, 2, 3, 4), Ids(await store.LatestAsync("#general", null, 10)));
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    private static ServerLog Log(CapturingLoggerFactory loggers) => new(loggers.CreateLogger("test"), new ServerText(CultureInfo.GetCultureInfo("en")));

    [Fact]
    public async Task Without_a_grace_appends_during_a_database_restart_wait_and_are_all_committed_once_it_is_back()
    {
        using var loggers = new CapturingLoggerFactory();
        const string password = "not-to-be-logged-7731";
        string database = await DatabaseAsync() + $";Password={password}";
        await using var store = PostgresChatStore.Open(new StoreOptions { OutageGrace = null }, database, Log(loggers));
        await Task.WhenAll(Enumerable.Range(1, 10).Select(i => store.AppendAsync(Msg(i))));

        await postgres.Cluster.StopAsync();
        List<Task> during;
        try
        {
            during = Enumerable.Range(11, 200).Select(i => store.AppendAsync(Msg(i))).ToList();
            await Task.Delay(1500);
            Assert.DoesNotContain(during, t => t.IsCompleted);

            // Reads do not wait: they fail, and the callers answer FAIL.
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => store.LatestAsync("#general", null, 5));
        }
        finally
        {
            await postgres.Cluster.StartAgainAsync();
        }

        await Task.WhenAll(during).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(210, await store.CountAsync());
        Assert.Equal(Enumerable.Range(1, 210), Ids(await store.LatestAsync("#general", null, 500)));

        var lines = loggers.Lines.ToList();
        Assert.Single(lines, l => l.Contains("unreachable", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("reachable again", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"127.0.0.1:{postgres.Cluster.Port}/store_", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_the_grace_appends_complete_while_the_database_is_away_and_are_stored_in_order_when_it_is_back()
    {
        using var loggers = new CapturingLoggerFactory();
        await using var store = PostgresChatStore.Open(new StoreOptions { OutageGrace = TimeSpan.FromMilliseconds(500) }, await DatabaseAsync(), Log(loggers));
        await Task.WhenAll(Enumerable.Range(1, 10).Select(i => store.AppendAsync(Msg(i))));

        await postgres.Cluster.StopAsync();
        try
        {
            // The first ones wait out the grace; then every append completes at once.
            var early = Enumerable.Range(11, 50).Select(i => store.AppendAsync(Msg(i))).ToList();
            await Task.WhenAll(early).WaitAsync(TimeSpan.FromSeconds(20));
            var late = Enumerable.Range(61, 50).Select(i => store.AppendAsync(Msg(i))).ToList();
            Assert.All(late, t => Assert.True(t.IsCompletedSuccessfully));
            Assert.Contains(loggers.Lines, l => l.Contains("has not committed", StringComparison.Ordinal));
        }
        finally
        {
            await postgres.Cluster.StartAgainAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await CountOrZeroAsync(store) < 110 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(Enumerable.Range(1, 110), Ids(await store.LatestAsync("#general", null, 500)));

        // Caught up: a message waits for its commit again.
        var next = store.AppendAsync(Msg(111));
        await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(111, await store.CountAsync());
    }

    [Fact]
    public async Task A_store_closed_while_the_database_is_away_stops_in_bounded_time_and_says_what_it_lost()
    {
        using var loggers = new CapturingLoggerFactory();
        var store = PostgresChatStore.Open(new StoreOptions { OutageGrace = TimeSpan.FromMilliseconds(300) }, await DatabaseAsync(), Log(loggers));
        await postgres.Cluster.StopAsync();
        try
        {
            await Task.WhenAll(Enumerable.Range(1, 5).Select(i => store.AppendAsync(Msg(i)))).WaitAsync(TimeSpan.FromSeconds(20));
            var account = store.CreateAccountAsync(AccountHashing.Create("Late", null, "a long enough password", AccountHashing.MinIterations));
            await store.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => account);
        }
        finally
        {
            await postgres.Cluster.StartAgainAsync();
        }

        Assert.Contains(loggers.Lines, l => l.StartsWith("Error: 5 delivered messages were never stored", StringComparison.Ordinal));
    }

    private static async Task<long> CountOrZeroAsync(IChatStore store)
    {
        try
        {
            return await store.CountAsync();
        }
        catch (NpgsqlException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task An_unreachable_database_is_one_clear_error_at_open_without_the_password()
    {
        var error = Assert.Throws<StoreUnavailableException>(() =>
            PostgresChatStore.Open(new StoreOptions(), "Host=127.0.0.1;Port=1;Database=chat;Username=chat;Password=hush-hush;Timeout=5"));
        Assert.Contains("chat@127.0.0.1:1/chat", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hush-hush", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);

        var missing = Assert.Throws<StoreUnavailableException>(() =>
            PostgresChatStore.Open(new StoreOptions(), postgres.Cluster.ConnectionString("no_such_database")));
        Assert.Contains("no_such_database", error.Message + missing.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_message_the_database_refuses_fails_alone_not_its_whole_group()
    {
        await using var store = await OpenAsync(new StoreOptions { CommitWindow = TimeSpan.FromMilliseconds(50) });
        var good = Enumerable.Range(1, 20).Select(i => store.AppendAsync(Msg(i))).ToList();

        // PostgreSQL text cannot hold NUL; the protocol never sends one, but a bug must not cost the others their messages.
        var bad = store.AppendAsync(Msg(21) with { Text = "nul\0byte" });
        await Task.WhenAll(good);
        await Assert.ThrowsAsync<PostgresException>(() => bad);
        Assert.Equal(Enumerable.Range(1, 20), Ids(await store.LatestAsync("#general", null, 50)));
    }

    [Fact]
    public async Task The_database_holds_hashes_and_scram_keys_never_the_password()
    {
        const string password = "correct horse battery";
        await using (var store = await OpenAsync())
        {
            Assert.True(await store.CreateAccountAsync(AccountHashing.Create("Juan", null, password, AccountHashing.MinIterations)));
        }

        string everything = await ScalarAsync<string>("SELECT string_agg(a::text || encode(pbkdf2_hash, 'escape') || encode(scram_server_key, 'escape'), ' ') FROM accounts a");
        Assert.Contains("juan", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(password, everything, StringComparison.Ordinal);
    }
}
