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

/// <summary>
/// What every <see cref="IChatStore"/> must do, run against each store by a
/// subclass (<see cref="SqliteStoreTests"/>, <see cref="PostgresStoreTests"/>).
/// <see cref="OpenAsync"/> opens this test's own database; opening it again
/// reopens the same one.
/// </summary>
public abstract class StoreTests
{
    protected static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    internal static StoredMessage Msg(int i, string conversation = "#general", DateTimeOffset? time = null) =>
        new($"id{i}", time ?? T0.AddSeconds(i), conversation, "PRIVMSG", $"ana!~ana@127.0.0.1", "ana", i % 2 == 0 ? "ana" : null,
            conversation.StartsWith('#') ? conversation : "bob", $"message {i}", i % 3 == 0 ? "+draft/react=x;+typing" : null);

    /// <summary>Opens (or reopens) this test's database with <paramref name="options"/>.</summary>
    protected abstract Task<IChatStore> OpenAsync(StoreOptions? options = null);

    protected async Task<IChatStore> FilledAsync(int count, string conversation = "#general", StoreOptions? options = null)
    {
        var store = await OpenAsync(options);
        await Task.WhenAll(Enumerable.Range(1, count).Select(i => store.AppendAsync(Msg(i, conversation))));
        return store;
    }

    protected static int[] N(params int[] ids) => ids;

    protected static int[] Ids(IReadOnlyList<StoredMessage> list) => list.Select(m => int.Parse(m.MsgId[2..])).ToArray();

    [Fact]
    public async Task Messages_round_trip_with_their_tags_through_a_reopen()
    {
        await using (var store = await FilledAsync(10))
        {
            Assert.Equal(10, await store.CountAsync());
        }

        await using var reopened = await OpenAsync();
        var latest = await reopened.LatestAsync("#general", null, 100);
        Assert.Equal(Enumerable.Range(1, 10), Ids(latest));
        Assert.Equal(Msg(3), latest[2]);
        Assert.Equal(Msg(4), latest[3]);
        Assert.Equal("+draft/react=x;+typing", latest[2].Tags);
    }

    [Fact]
    public async Task Text_beyond_ascii_and_long_messages_come_back_byte_for_byte()
    {
        // Accents, 4-byte emoji, CJK, and a text longer than the insert's first buffer for strings (16 KiB).
        string[] texts = ["¿Qué tal, Ñandú?", "🎉 fiesta 🎉", "日本語のテキスト", new string('ü', 9000)];
        var messages = texts.Select((text, i) => Msg(i + 1, "josé maría") with { Text = text, SenderNick = "josé", Tags = "+draft/react=👍" }).ToArray();
        await using (var store = await OpenAsync())
        {
            await Task.WhenAll(messages.Select(m => store.AppendAsync(m)));
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(messages, await reopened.LatestAsync("josé maría", null, 10));
    }

    [Fact]
    public async Task Queries_before_after_around_between_and_latest_follow_the_references()
    {
        await using var store = await FilledAsync(20);
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
    public async Task Messages_at_the_same_instant_keep_their_order_and_timestamps_exclude_them_all()
    {
        await using var store = await OpenAsync();
        var same = T0.AddMinutes(5);
        for (int i = 1; i <= 6; i++)
        {
            await store.AppendAsync(Msg(i, time: i is >= 3 and <= 5 ? same : T0.AddMinutes(i)));
        }

        Assert.Equal(N(1, 2, 3, 4, 5, 6), Ids(await store.LatestAsync("#general", null, 10)));
        Assert.Equal(N(4, 5, 6), Ids(await store.AfterAsync("#general", new MsgIdRef("id3"), 10)));
        Assert.Equal(N(1, 2, 3), Ids(await store.BeforeAsync("#general", new MsgIdRef("id4"), 10)));
        Assert.Equal(N(6), Ids(await store.AfterAsync("#general", new TimeRef(same), 10)));
        Assert.Equal(N(1, 2), Ids(await store.BeforeAsync("#general", new TimeRef(same), 10)));
        Assert.Equal(N(3, 4, 5, 6), Ids(await store.LatestAsync("#general", new MsgIdRef("id2"), 10)));
    }

    [Fact]
    public async Task Targets_lists_visible_conversations_with_their_latest_time()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync(Msg(1, "#a"));
        await store.AppendAsync(Msg(2, "#b"));
        await store.AppendAsync(Msg(3, "ana bob"));
        await store.AppendAsync(Msg(4, "#a"));
        var all = await store.TargetsAsync(T0, T0.AddHours(1), 10, _ => true);
        Assert.Equal(["#b", "ana bob", "#a"], all.Select(t => t.Conversation));
        Assert.Equal(T0.AddSeconds(4), all[2].Latest);
        Assert.Equal("id4", all[2].LastMessage.MsgId);
        var visible = await store.TargetsAsync(T0, T0.AddHours(1), 10, c => c != "#b");
        Assert.Equal(["ana bob", "#a"], visible.Select(t => t.Conversation));
        var newestFirst = await store.TargetsAsync(T0.AddHours(1), T0, 2, _ => true);
        Assert.Equal(["ana bob", "#a"], newestFirst.Select(t => t.Conversation));
    }

    [Fact]
    public async Task Retention_keeps_the_newest_per_conversation_and_drops_old_ones()
    {
        await using var store = await OpenAsync();
        var now = DateTimeOffset.UtcNow;
        for (int i = 1; i <= 30; i++)
        {
            await store.AppendAsync(Msg(i, "#a", now.AddSeconds(-60 + i)));
        }

        await store.AppendAsync(Msg(100, "#old", now.AddDays(-40)));
        await store.AppendAsync(Msg(101, "#old", now.AddMinutes(-1)));
        await store.AppendAsync(Msg(102, "#gone", now.AddDays(-40)));
        int deleted = await store.PruneAsync(TimeSpan.FromDays(30), 10);
        Assert.Equal(22, deleted);
        Assert.Equal(Enumerable.Range(21, 10), Ids(await store.LatestAsync("#a", null, 100)));
        Assert.Equal(N(101), Ids(await store.LatestAsync("#old", null, 100)));
        Assert.DoesNotContain("#gone", (await store.TargetsAsync(now.AddDays(-50), now.AddDays(1), 10, _ => true)).Select(t => t.Conversation));
    }

    [Fact]
    public async Task The_periodic_prune_runs_by_itself()
    {
        await using var store = await OpenAsync(new StoreOptions { MaxPerConversation = 5, PruneInterval = TimeSpan.FromMilliseconds(100) });
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
        await using var store = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(1, 5000).Select(i => store.AppendAsync(Msg(i, "#c" + (i % 7)))));
        Assert.Equal(5000, await store.CountAsync());
        Assert.Equal(Enumerable.Range(0, 715).Select(k => k * 7).Where(i => i is > 0 and <= 5000).TakeLast(5), Ids(await store.LatestAsync("#c0", null, 5)));
    }

    [Fact]
    public async Task Writes_wait_for_room_when_the_queue_is_full_and_none_is_lost()
    {
        await using var store = await OpenAsync(new StoreOptions { QueueCapacity = 4, MaxBatch = 2 });
        await Task.WhenAll(Enumerable.Range(1, 200).Select(i => store.AppendAsync(Msg(i))));
        Assert.Equal(200, await store.CountAsync());
        Assert.Equal(Enumerable.Range(196, 5), Ids(await store.LatestAsync("#general", null, 5)));
    }

    [Fact]
    public async Task Accounts_are_found_case_insensitively_and_a_name_is_taken_once()
    {
        const string password = "correct horse battery";
        await using (var store = await OpenAsync())
        {
            var account = AccountHashing.Create("Juan", "juan@example.org", password, AccountHashing.MinIterations);
            Assert.True(await store.CreateAccountAsync(account));
            Assert.False(await store.CreateAccountAsync(account with { Name = "JUAN" }));
            Assert.True(await store.CreateAccountAsync(AccountHashing.Create("María", null, password, AccountHashing.MinIterations)));
            Assert.Null(await store.FindAccountAsync("nobody"));
        }

        await using var reopened = await OpenAsync();
        var found = await reopened.FindAccountAsync("juan");
        Assert.NotNull(found);
        Assert.Equal("Juan", found.Name);
        Assert.Equal("juan@example.org", found.Email);
        Assert.Equal(600_000, found.Password.Iterations);
        Assert.Equal(16, found.Password.Salt.Length);
        Assert.True(AccountHashing.Verify(found.Password, password));
        Assert.False(AccountHashing.Verify(found.Password, password + "!"));

        // The same folding as nicks (IrcCaseMapping), beyond ASCII too.
        var maria = await reopened.FindAccountAsync("MARÍA");
        Assert.NotNull(maria);
        Assert.Equal("María", maria.Name);
        Assert.Null(maria.Email);
        Assert.Equal(["juan", "maría"], (await reopened.AccountNamesAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_closed_store_refuses_writes()
    {
        var store = await OpenAsync();
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.AppendAsync(Msg(1)));
    }
}

/// <summary>The store suite on SQLite files, and what only SQLite has (WAL, its file, its migrations).</summary>
public sealed class SqliteStoreTests : StoreTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override Task<IChatStore> OpenAsync(StoreOptions? options = null) =>
        Task.FromResult<IChatStore>(SqliteChatStore.Open((options ?? new StoreOptions()) with { DataDirectory = _dir.Path }));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_message_is_complete_once_journaled_and_reads_wait_until_it_is_in_the_database()
    {
        // A long delay: only a read (or closing) moves the messages into the database.
        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path, ApplyDelay = TimeSpan.FromMinutes(5), ApplyBatch = 100_000 });
        await Task.WhenAll(Enumerable.Range(1, 30).Select(i => store.AppendAsync(Msg(i))));
        Assert.True(new FileInfo(MessageJournal.PathIn(_dir.Path)).Length > 0);
        Assert.Equal(0L, CountRows());

        Assert.Equal(N(28, 29, 30), Ids(await store.LatestAsync("#general", null, 3)));
        Assert.Equal(30L, CountRows());
        Assert.Equal(0, new FileInfo(MessageJournal.PathIn(_dir.Path)).Length);
    }

    [Fact]
    public async Task Messages_inserted_between_groups_are_seen_only_once_committed()
    {
        int count = 3 * SqliteChatStore.ApplyChunk + 10;
        await using (var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path, ApplyDelay = TimeSpan.FromMinutes(5), ApplyBatch = 100_000 }))
        {
            await Task.WhenAll(Enumerable.Range(1, count).Select(i => store.AppendAsync(Msg(i))));

            // The writer inserts them into its open transaction a chunk or more at a time as groups come
            // (the last group may leave less than a chunk for the commit); nobody else sees them yet.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (count - store.InsertedUncommitted >= SqliteChatStore.ApplyChunk && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.InRange(store.InsertedUncommitted, count - SqliteChatStore.ApplyChunk + 1, count);
            Assert.Equal(0L, CountRows());

            // A read commits them first, and the journal is emptied.
            Assert.Equal(N(count - 1, count), Ids(await store.LatestAsync("#general", null, 2)));
            Assert.Equal(count, CountRows());
            Assert.Equal(0, store.InsertedUncommitted);
            Assert.Equal(0, new FileInfo(MessageJournal.PathIn(_dir.Path)).Length);

            // More inserted into a new open transaction, then the store closes: closing commits them.
            await Task.WhenAll(Enumerable.Range(count + 1, count).Select(i => store.AppendAsync(Msg(i))));
        }

        Assert.Equal(2 * count, CountRows());
    }

    [Fact]
    public async Task Messages_a_killed_server_left_in_the_journal_are_in_the_database_after_a_reopen()
    {
        await using (var before = await OpenAsync())
        {
            await before.AppendAsync(Msg(1));
        }

        // As a kill -9 leaves it: two whole records (one already in the database),
        // then the first bytes of a third whose write was cut short.
        var (path, bytes) = WriteJournal(Msg(1), Msg(2, "ana bob"), Msg(3));
        int third = bytes.Length - RecordLength(Msg(3));
        File.WriteAllBytes(path, bytes[..(third + 20)]);

        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path });
        Assert.Equal(2, store.RecoveredCount);
        Assert.Equal(0, new FileInfo(path).Length);
        Assert.Equal(N(1), Ids(await store.LatestAsync("#general", null, 10)));
        Assert.Equal(N(2), Ids(await store.LatestAsync("ana bob", null, 10)));
        Assert.Equal(2L, await store.CountAsync());
        var targets = await store.TargetsAsync(T0, T0.AddDays(1), 10, _ => true);
        Assert.Contains(targets, t => t.Conversation == "ana bob");
    }

    [Fact]
    public async Task A_second_store_on_the_same_folder_is_refused_while_the_first_is_open()
    {
        await using (var first = await OpenAsync())
        {
            var refused = Assert.Throws<IOException>(() => SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path }));
            Assert.Contains("in use by another chat server", refused.Message, StringComparison.Ordinal);
            await first.AppendAsync(Msg(1));
        }

        await using var after = await OpenAsync();
        Assert.Equal(1L, await after.CountAsync());
    }

    [Fact]
    public async Task A_journal_record_that_does_not_match_its_hash_ends_the_recovery()
    {
        var (path, bytes) = WriteJournal(Msg(1), Msg(2), Msg(3));
        int second = RecordLength(Msg(1));
        bytes[second + 8 + 12] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        using var again = new MessageJournal(path, sync: false);
        Assert.Equal(N(1), Ids(again.ReadAll()));
        Assert.Equal(second, again.Length);
    }

    [Fact]
    public void The_journal_hash_is_crc32c()
    {
        // The check value of CRC-32C (Castagnoli), and one past the 8-byte steps.
        Assert.Equal(0xE3069283u, MessageJournal.Hash("123456789"u8));
        Assert.Equal(0u, MessageJournal.Hash([]));
        Assert.NotEqual(MessageJournal.Hash("123456789"u8), MessageJournal.Hash("123456788"u8));
    }

    [Fact]
    public async Task A_journal_an_older_server_wrote_with_fnv_hashes_is_still_recovered()
    {
        // Each record's hash as versions before CRC-32C wrote it.
        var (path, bytes) = WriteJournal(Msg(1), Msg(2), Msg(3));
        for (int at = 0; at < bytes.Length;)
        {
            int length = BitConverter.ToInt32(bytes, at);
            BitConverter.TryWriteBytes(bytes.AsSpan(at + 4), MessageJournal.LegacyHash(bytes.AsSpan(at + 8, length)));
            at += 8 + length;
        }

        File.WriteAllBytes(path, bytes);
        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path });
        Assert.Equal(3, store.RecoveredCount);
        Assert.Equal(N(1, 2, 3), Ids(await store.LatestAsync("#general", null, 10)));
    }

    [Fact]
    public async Task Ordered_appends_run_their_follow_ups_on_the_writer_in_queue_order_before_their_tasks_complete()
    {
        // A small queue: many appends wait for room, and keep their place.
        const int count = 3000;
        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path, QueueCapacity = 16, MaxBatch = 64 });
        var ran = new List<int>();
        var tasks = new Task?[count + 1];
        int offWriter = 0, afterTask = 0, failed = 0;
        for (int i = 1; i <= count; i++)
        {
            int n = i;
            tasks[n] = ((IOrderedAppend)store).AppendAsync(Msg(n), error =>
            {
                // Only the writer runs follow-ups, so no lock is needed here.
                ran.Add(n);
                offWriter += Thread.CurrentThread.Name == "chat-store-writer" ? 0 : 1;
                afterTask += Volatile.Read(ref tasks[n]) is { IsCompleted: true } ? 1 : 0;
                failed += error is null ? 0 : 1;
            });
        }

        await Task.WhenAll(tasks[1..]!).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(1, count), ran);
        Assert.Equal((0, 0, 0), (offWriter, afterTask, failed));
        Assert.Equal(count, await store.CountAsync());
    }

    [Fact]
    public async Task An_ordered_append_to_a_closed_store_runs_its_follow_up_with_the_error()
    {
        var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path });
        await store.DisposeAsync();

        Exception? seen = null;
        var task = ((IOrderedAppend)store).AppendAsync(Msg(1), error => seen = error);
        Assert.IsType<ObjectDisposedException>(seen);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => task);
    }

    [Fact]
    public async Task A_follow_up_that_throws_does_not_stop_the_writer()
    {
        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path });
        var first = ((IOrderedAppend)store).AppendAsync(Msg(1), _ => throw new InvalidOperationException("boom"));
        Exception? seen = new InvalidOperationException("not run");
        var second = ((IOrderedAppend)store).AppendAsync(Msg(2), error => seen = error);

        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(seen);
        Assert.Equal(2, await store.CountAsync());
    }

    /// <summary>The store's journal as a server left it with these messages: its path and bytes.</summary>
    private (string Path, byte[] Bytes) WriteJournal(params StoredMessage[] messages)
    {
        string path = MessageJournal.PathIn(_dir.Path);
        using (var journal = new MessageJournal(path, sync: false))
        {
            journal.Append(messages);
        }

        return (path, File.ReadAllBytes(path));
    }

    private int RecordLength(StoredMessage m)
    {
        string path = System.IO.Path.Combine(_dir.Path, "one-record");
        using (var journal = new MessageJournal(path, sync: false))
        {
            journal.Append([m]);
        }

        int length = (int)new FileInfo(path).Length;
        File.Delete(path);
        return length;
    }

    private long CountRows()
    {
        using var c = new SqliteConnection($"Data Source={System.IO.Path.Combine(_dir.Path, "chat.db")};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM messages";
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task An_in_memory_store_answers_the_same_queries()
    {
        await using var store = SqliteChatStore.Open(new StoreOptions());
        Assert.Null(store.DatabasePath);
        await Task.WhenAll(Enumerable.Range(1, 20).Select(i => store.AppendAsync(Msg(i))));
        Assert.Equal(N(8, 9, 10, 11, 12), Ids(await store.AroundAsync("#general", new MsgIdRef("id10"), 5)));
        Assert.Equal(N(9, 10, 11), Ids(await store.BetweenAsync("#general", new MsgIdRef("id12"), new MsgIdRef("id4"), 3)));
    }

    [Fact]
    public async Task The_checkpointer_thread_copies_the_log_into_the_database_file_while_the_store_is_open()
    {
        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = _dir.Path, CheckpointInterval = TimeSpan.FromMilliseconds(50) });
        await Task.WhenAll(Enumerable.Range(1, 200).Select(i => store.AppendAsync(Msg(i))));
        Assert.Equal(N(200), Ids(await store.LatestAsync("#general", null, 1)));

        // Far below the writer's own threshold: only the checkpointer puts them in chat.db itself,
        // which a connection that ignores the log (immutable) then reads. The thread counts a
        // checkpoint once it has returned, a moment after the rows are in the file.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        long inFile;
        while (((inFile = CountRowsInTheFileAlone()) < 200 || store.CheckpointCount == 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(200L, inFile);
        Assert.True(store.CheckpointCount > 0);
    }

    private long CountRowsInTheFileAlone()
    {
        using var c = new SqliteConnection($"Data Source=file:{Path.Combine(_dir.Path, "chat.db")}?immutable=1;Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM messages";
        try
        {
            return (long)cmd.ExecuteScalar()!;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            // "no such table": not even the schema is in the file yet, it is all still in the log.
            return 0;
        }
    }

    [Fact]
    public async Task Retention_by_age_walks_every_conversation_chunk_by_chunk()
    {
        await using var store = await OpenAsync();
        int n = 2 * SqliteChatStore.PruneChunk + 7;
        var now = DateTimeOffset.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, n).SelectMany(i => new[]
        {
            store.AppendAsync(Msg(2 * i, $"#r{i}", now.AddDays(-40))),
            store.AppendAsync(Msg(2 * i + 1, $"#r{i}", now.AddMinutes(-1))),
        }));

        Assert.Equal(n, await store.PruneAsync(TimeSpan.FromDays(30), null));
        Assert.Equal(n, CountRows());
        Assert.Equal(N(1), Ids(await store.LatestAsync("#r0", null, 10)));
        Assert.Equal(N(2 * n - 1), Ids(await store.LatestAsync($"#r{n - 1}", null, 10)));
    }

    [Fact]
    public async Task The_database_is_a_file_in_wal_mode_with_the_latest_schema()
    {
        await using (await OpenAsync())
        {
        }

        Assert.True(File.Exists(Path.Combine(_dir.Path, "chat.db")));
        using var c = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "chat.db")};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
        Assert.Equal(Migrations.Latest, Migrations.CurrentVersion(c));

        // Messages are indexed by conversation (and msgid) only: an insert writes three B-trees, not four.
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL ORDER BY name";
        using var r = cmd.ExecuteReader();
        var indexes = new List<string>();
        while (r.Read())
        {
            indexes.Add(r.GetString(0));
        }

        Assert.Equal(["messages_by_conversation"], indexes);
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
        string file = Path.Combine(_dir.Path, "chat.db");
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

        await using var store = await OpenAsync();
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
    public async Task The_files_hold_hashes_and_scram_keys_never_the_password()
    {
        const string password = "correct horse battery";
        await using (var store = await OpenAsync())
        {
            Assert.True(await store.CreateAccountAsync(AccountHashing.Create("Juan", "juan@example.org", password, AccountHashing.MinIterations)));
        }

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_dir.Path))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(password)));
        }
    }
}
