using Chat.Server.Accounts;
using Chat.Server.Storage;
using Microsoft.Data.Sqlite;

namespace Chat.Server.Tests;

/// <summary>A folder under the temp directory, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chat-test-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public class StoreTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    internal static StoredMessage Msg(int i, string conversation = "#general", DateTimeOffset? time = null) =>
        new($"id{i}", time ?? T0.AddSeconds(i), conversation, "PRIVMSG", $"ana!~ana@127.0.0.1", "ana", i % 2 == 0 ? "ana" : null,
            conversation.StartsWith('#') ? conversation : "bob", $"message {i}", i % 3 == 0 ? "+draft/react=x;+typing" : null);

    private static async Task<SqliteChatStore> FilledAsync(StoreOptions options, int count, string conversation = "#general")
    {
        var store = SqliteChatStore.Open(options);
        await Task.WhenAll(Enumerable.Range(1, count).Select(i => store.AppendAsync(Msg(i, conversation))));
        return store;
    }

    private static int[] N(params int[] ids) => ids;

    private static int[] Ids(IReadOnlyList<StoredMessage> list) => list.Select(m => int.Parse(m.MsgId[2..])).ToArray();

    [Fact]
    public async Task Messages_round_trip_through_the_file_and_a_reopen()
    {
        using var dir = new TempDir();
        var options = new StoreOptions { DataDirectory = dir.Path };
        await using (var store = await FilledAsync(options, 10))
        {
            Assert.Equal(10, await store.CountAsync());
        }

        Assert.True(File.Exists(Path.Combine(dir.Path, "chat.db")));
        await using var reopened = SqliteChatStore.Open(options);
        var latest = await reopened.LatestAsync("#general", null, 100);
        Assert.Equal(Enumerable.Range(1, 10), Ids(latest));
        Assert.Equal(Msg(3), latest[2]);
        Assert.Equal(Msg(4), latest[3]);
        Assert.Equal("+draft/react=x;+typing", latest[2].Tags);
    }

    [Fact]
    public async Task The_database_is_in_wal_mode_with_the_latest_schema()
    {
        using var dir = new TempDir();
        await using (SqliteChatStore.Open(new StoreOptions { DataDirectory = dir.Path }))
        {
        }

        using var c = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "chat.db")};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
        Assert.Equal(Migrations.Latest, Migrations.CurrentVersion(c));
    }

    [Fact]
    public void Migrations_build_an_empty_database_step_by_step()
    {
        using var c = new SqliteConnection("Data Source=:memory:");
        c.Open();
        Assert.Equal(0, Migrations.CurrentVersion(c));
        Assert.Equal(Migrations.Latest, Migrations.Apply(c));
        Assert.Equal(Migrations.Latest, Migrations.CurrentVersion(c));

        // Running them again changes nothing.
        Assert.Equal(Migrations.Latest, Migrations.Apply(c));
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM schema_version";
        Assert.Equal((long)Migrations.Latest, cmd.ExecuteScalar());
    }

    [Fact]
    public async Task A_database_from_an_earlier_schema_is_upgraded_and_keeps_its_messages()
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "chat.db");
        using (var c = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            c.Open();
            Assert.Equal(1, Migrations.Apply(c, upTo: 1));
            using var insert = c.CreateCommand();
            insert.CommandText = """
                INSERT INTO messages(msgid, time, conversation, command, sender, sender_nick, account, target, text)
                VALUES ('old1', 1700000000000, '#general', 'PRIVMSG', 'ana!~ana@h', 'ana', NULL, '#general', 'from version 1')
                """;
            insert.ExecuteNonQuery();
        }

        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = dir.Path });
        var latest = await store.LatestAsync("#general", null, 10);
        var old = Assert.Single(latest);
        Assert.Equal("from version 1", old.Text);
        Assert.Null(old.Tags);

        // Step 4 filled the conversations table from the old messages.
        var targets = await store.TargetsAsync(DateTimeOffset.FromUnixTimeMilliseconds(1_600_000_000_000), DateTimeOffset.UtcNow, 10, _ => true);
        Assert.Equal("#general", Assert.Single(targets).Conversation);

        // Step 2 (accounts) and 3 (tags) now work.
        await store.AppendAsync(Msg(1));
        await store.AppendAsync(Msg(3));
        Assert.Equal("+draft/react=x;+typing", (await store.LatestAsync("#general", null, 10)).Single(m => m.MsgId == "id3").Tags);
        var account = AccountHashing.Create("ana", null, "secret-password", AccountHashing.MinIterations);
        Assert.True(await store.CreateAccountAsync(account));
    }

    [Fact]
    public async Task Queries_before_after_around_between_and_latest_follow_the_references()
    {
        await using var store = await FilledAsync(new StoreOptions(), 20);
        Assert.Equal(N(16, 17, 18, 19, 20), Ids(await store.LatestAsync("#general", null, 5)));
        Assert.Equal(N(18, 19, 20), Ids(await store.LatestAsync("#general", new MsgIdRef("id17"), 5)));
        Assert.Equal(N(7, 8, 9), Ids(await store.BeforeAsync("#general", new MsgIdRef("id10"), 3)));
        Assert.Equal(N(11, 12, 13), Ids(await store.AfterAsync("#general", new MsgIdRef("id10"), 3)));
        Assert.Equal(N(7, 8, 9), Ids(await store.BeforeAsync("#general", new TimeRef(T0.AddSeconds(10)), 3)));
        Assert.Equal(N(11, 12, 13), Ids(await store.AfterAsync("#general", new TimeRef(T0.AddSeconds(10)), 3)));
        Assert.Equal(N(8, 9, 10, 11, 12), Ids(await store.AroundAsync("#general", new MsgIdRef("id10"), 5)));
        Assert.Equal(N(5, 6, 7), Ids(await store.BetweenAsync("#general", new MsgIdRef("id4"), new MsgIdRef("id12"), 3)));
        Assert.Equal(N(9, 10, 11), Ids(await store.BetweenAsync("#general", new MsgIdRef("id12"), new MsgIdRef("id4"), 3)));
        Assert.Equal(N(5, 6, 7, 8, 9), Ids(await store.BetweenAsync("#general", new TimeRef(T0.AddSeconds(4)), new TimeRef(T0.AddSeconds(10)), 50)));
        Assert.Empty(await store.BeforeAsync("#general", new MsgIdRef("no-such-id"), 3));
        Assert.Empty(await store.LatestAsync("#other", null, 3));
    }

    [Fact]
    public async Task Targets_lists_visible_conversations_with_their_latest_time()
    {
        await using var store = SqliteChatStore.Open(new StoreOptions());
        await store.AppendAsync(Msg(1, "#a"));
        await store.AppendAsync(Msg(2, "#b"));
        await store.AppendAsync(Msg(3, "ana bob"));
        await store.AppendAsync(Msg(4, "#a"));
        var all = await store.TargetsAsync(T0, T0.AddHours(1), 10, _ => true);
        Assert.Equal(["#b", "ana bob", "#a"], all.Select(t => t.Conversation));
        Assert.Equal(T0.AddSeconds(4), all[2].Latest);
        var visible = await store.TargetsAsync(T0, T0.AddHours(1), 10, c => c != "#b");
        Assert.Equal(["ana bob", "#a"], visible.Select(t => t.Conversation));
    }

    [Fact]
    public async Task Retention_keeps_the_newest_per_conversation_and_drops_old_ones()
    {
        await using var store = SqliteChatStore.Open(new StoreOptions());
        var now = DateTimeOffset.UtcNow;
        for (int i = 1; i <= 30; i++)
        {
            await store.AppendAsync(Msg(i, "#a", now.AddSeconds(-60 + i)));
        }

        await store.AppendAsync(Msg(100, "#old", now.AddDays(-40)));
        await store.AppendAsync(Msg(101, "#old", now.AddMinutes(-1)));
        int deleted = await store.PruneAsync(TimeSpan.FromDays(30), 10);
        Assert.Equal(21, deleted);
        Assert.Equal(Enumerable.Range(21, 10), Ids(await store.LatestAsync("#a", null, 100)));
        Assert.Equal(N(101), Ids(await store.LatestAsync("#old", null, 100)));
    }

    [Fact]
    public async Task The_periodic_prune_runs_by_itself()
    {
        await using var store = SqliteChatStore.Open(new StoreOptions { MaxPerConversation = 5, PruneInterval = TimeSpan.FromMilliseconds(100) });
        await Task.WhenAll(Enumerable.Range(1, 20).Select(i => store.AppendAsync(Msg(i))));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await store.CountAsync() > 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(Enumerable.Range(16, 5), Ids(await store.LatestAsync("#general", null, 100)));
    }

    [Fact]
    public async Task Many_concurrent_writes_are_committed_in_groups_and_all_arrive()
    {
        using var dir = new TempDir();
        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = dir.Path });
        await Task.WhenAll(Enumerable.Range(1, 5000).Select(i => store.AppendAsync(Msg(i, "#c" + (i % 7)))));
        Assert.Equal(5000, await store.CountAsync());
    }

    [Fact]
    public async Task Accounts_store_hashes_and_scram_keys_never_the_password()
    {
        using var dir = new TempDir();
        const string password = "correct horse battery";
        await using (var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = dir.Path }))
        {
            var account = AccountHashing.Create("Juan", "juan@example.org", password, AccountHashing.MinIterations);
            Assert.True(await store.CreateAccountAsync(account));
            Assert.False(await store.CreateAccountAsync(account with { Name = "JUAN" }));
            var found = await store.FindAccountAsync("juan");
            Assert.NotNull(found);
            Assert.Equal("Juan", found.Name);
            Assert.Equal(600_000, found.Password.Iterations);
            Assert.Equal(16, found.Password.Salt.Length);
            Assert.True(AccountHashing.Verify(found.Password, password));
            Assert.False(AccountHashing.Verify(found.Password, password + "!"));
            Assert.Equal(["juan"], await store.AccountNamesAsync());
        }

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(dir.Path))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(password)));
        }
    }
}
