using System.Threading.Channels;
using QueueFactory = System.Threading.Channels.Channel;
using Chat.Core.Transport;
using Chat.Server.Accounts;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Chat.Server.Storage;

/// <summary>
/// History and accounts in an embedded SQLite database (WAL mode) under the
/// data directory, or in memory when there is none.
/// </summary>
/// <remarks>
/// <para>Writes: one writer thread owns the only writing connection. It takes
/// everything queued as one group. The group's messages go to the journal
/// (chat.journal, see <see cref="MessageJournal"/>) with one write, and their
/// tasks complete: the server delivers a message to anyone, the sender's echo
/// included, only after that (see Messaging). The deliveries themselves run on
/// the writer, in queue order, right after the write (<see cref="IOrderedAppend"/>),
/// with the sockets' writers held until the whole group is delivered, so that a
/// message waits for no other thread and a busy socket is written once per
/// group. The writer moves journaled messages into the database later, up to
/// <see cref="StoreOptions.ApplyBatch"/> of them in one transaction or after
/// <see cref="StoreOptions.ApplyDelay"/> (inserted a chunk at a time between
/// groups, committed at once: see <see cref="InsertSome"/>), and then empties
/// the journal; other writes (accounts, retention) run in such
/// a transaction, after the messages. The queue is bounded: when the disk cannot
/// keep up, senders wait for room instead of memory growing.</para>
/// <para>Durability: whatever anyone has seen is in the journal or the database.
/// Both are written to the operating system before the writer goes on, so they
/// survive the process being killed (kill -9), not a power loss (SQLite's
/// synchronous=NORMAL in WAL mode); <see cref="StoreOptions.FullSync"/> fsyncs
/// the journal on each group and SQLite on each commit. Opening the store applies
/// what the journal still holds.</para>
/// <para>Reads open their own pooled connections and never wait for the writer:
/// WAL readers see the last commit.</para>
/// </remarks>
public sealed class SqliteChatStore : IChatStore, IOrderedAppend
{
    private const string Columns = StoreRows.MessageColumns;

    /// <summary>The write-ahead log's size, in pages, past which the writer checkpoints it itself (see <see cref="CheckpointLoop"/>).</summary>
    internal const int WriterCheckpointPages = 16384;

    private readonly StoreOptions _options;
    private readonly string _connectionString;
    private readonly bool _inMemory;
    private readonly SqliteConnection _writer;
    private readonly System.Threading.Channels.Channel<WriteItem> _queue;
    private readonly Thread _writerThread;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pruneLoop;
    private readonly Thread? _checkpointer;
    private int _checkpoints;
    private readonly Dictionary<string, long> _touched = new(StringComparer.Ordinal);
    private readonly MessageJournal? _journal;

    // Journaled (delivered) messages not yet in the database; the writer's alone.
    private readonly List<StoredMessage> _pending = [];

    // The transaction the writer inserts pending messages into a chunk at a time
    // between groups, and how many of _pending are in it (see InsertSome).
    private SqliteTransaction? _open;
    private int _inserted;
    private long _pendingSince;

    // Their count, for readers deciding whether to wait for the writer.
    private int _unapplied;
    private SqliteMessageInsert? _insert;
    private sqlite3_stmt? _touch;
    private int _disposed;

    static SqliteChatStore()
    {
        SQLitePCL.Batteries_V2.Init();
    }

    private SqliteChatStore(StoreOptions options, string connectionString, bool inMemory, SqliteConnection writer, MessageJournal? journal)
    {
        _options = options;
        _journal = journal;
        _connectionString = connectionString;
        _inMemory = inMemory;
        _writer = writer;
        _queue = QueueFactory.CreateBounded<WriteItem>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writerThread = new Thread(WriterLoop) { IsBackground = true, Name = "chat-store-writer" };
        _writerThread.Start();
        if (!inMemory)
        {
            _checkpointer = new Thread(CheckpointLoop) { IsBackground = true, Name = "chat-store-checkpoint" };
            _checkpointer.Start();
        }

        _pruneLoop = options.MaxAge is null && options.MaxPerConversation is null ? Task.CompletedTask : Task.Run(PruneLoopAsync);
    }

    /// <summary>The database file, or null in memory.</summary>
    public string? DatabasePath { get; private init; }

    /// <summary>Opens (creating and migrating as needed) the store the options describe.</summary>
    public static SqliteChatStore Open(StoreOptions options)
    {
        string connectionString;
        string? path = null;
        bool inMemory = options.DataDirectory is null;
        if (inMemory)
        {
            connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = "chat-" + Guid.NewGuid().ToString("N"),
                Mode = SqliteOpenMode.Memory,
                Cache = SqliteCacheMode.Shared,
            }.ToString();
        }
        else
        {
            Directory.CreateDirectory(options.DataDirectory!);
            path = Path.Combine(options.DataDirectory!, "chat.db");
            connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
            }.ToString();
        }

        var writer = new SqliteConnection(connectionString);
        writer.Open();
        try
        {
            if (!inMemory)
            {
                Execute(writer, "PRAGMA journal_mode=WAL");
                Execute(writer, options.FullSync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");

                // The checkpointer thread copies the log into the database; the writer does it only past this many pages (64 MB).
                Execute(writer, $"PRAGMA wal_autocheckpoint={WriterCheckpointPages}");

                // A log that grew in a burst is cut back to this when it starts over (SQLite never shrinks it otherwise).
                Execute(writer, "PRAGMA journal_size_limit=16777216");

                // A transaction of ApplyBatch messages stays in memory until its commit (the default 2 MiB spilled).
                Execute(writer, "PRAGMA cache_size=-16384");
            }

            Execute(writer, "PRAGMA busy_timeout=5000");
            Migrations.Apply(writer);
        }
        catch
        {
            writer.Dispose();
            throw;
        }

        MessageJournal? journal = null;
        try
        {
            if (!inMemory)
            {
                journal = new MessageJournal(MessageJournal.PathIn(options.DataDirectory!), options.FullSync);
            }

            var store = new SqliteChatStore(options, connectionString, inMemory, writer, journal) { DatabasePath = path };
            store.Recover();
            return store;
        }
        catch
        {
            journal?.Dispose();
            writer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Messages a killed server had delivered but not yet moved into the database:
    /// applied now, before anything else runs (the writer thread only waits for the
    /// queue until then).
    /// </summary>
    private void Recover()
    {
        if (_journal is null)
        {
            return;
        }

        var found = _journal.ReadAll();
        if (found.Count == 0)
        {
            _journal.Clear();
            return;
        }

        using (var tx = _writer.BeginTransaction())
        {
            InsertAll(found);
            tx.Commit();
        }

        _journal.Clear();
        RecoveredCount = found.Count;
    }

    /// <summary>How many messages the last run left in the journal (applied when the store opened).</summary>
    public int RecoveredCount { get; private set; }

    public Task AppendAsync(StoredMessage message) => Enqueue(new InsertItem(message, null));

    /// <inheritdoc/>
    public Task AppendAsync(StoredMessage message, Action<Exception?> stored) => Enqueue(new InsertItem(message, stored));

    /// <summary>Runs <paramref name="work"/> in the writer's next group, in a savepoint of its own.</summary>
    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work) => Enqueue(new FuncItem<T>(work));

    private Task<T> Enqueue<T>(WriteItem<T> item)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            item.Fail(new ObjectDisposedException(nameof(SqliteChatStore)));
            return item.Task;
        }

        if (!_queue.Writer.TryWrite(item))
        {
            return EnqueueSlowAsync(item);
        }

        return item.Task;
    }

    /// <summary>
    /// Waits for room in the queue. A bounded channel hands the room to waiting
    /// writers first, in order, so a message queued this way keeps its place.
    /// </summary>
    private async Task<T> EnqueueSlowAsync<T>(WriteItem<T> item)
    {
        try
        {
            await _queue.Writer.WriteAsync(item).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            item.Fail(new ObjectDisposedException(nameof(SqliteChatStore)));
        }

        return await item.Task.ConfigureAwait(false);
    }

    private Task Enqueue(InsertItem item) => Enqueue<bool>(item);

    private void WriterLoop()
    {
        var batch = new List<WriteItem>(_options.MaxBatch);
        var reader = _queue.Reader;
        while (WaitForWork(reader))
        {
            if (_options.CommitWindow > TimeSpan.Zero)
            {
                Thread.Sleep(_options.CommitWindow);
            }

            while (batch.Count < _options.MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            RunGroup(batch);
            batch.Clear();
            if (_pending.Count >= _options.ApplyBatch || (_pending.Count > 0 && PendingAge() >= _options.ApplyDelay))
            {
                Apply(null);
            }
            else
            {
                InsertSome();
            }
        }

        // Stopping: what was delivered goes into the database before the store closes.
        if (_pending.Count > 0)
        {
            Apply(null);
        }
    }

    /// <summary>
    /// Copies the write-ahead log into the database file every
    /// <see cref="StoreOptions.CheckpointInterval"/> from a connection and thread of
    /// its own, as a passive checkpoint: it waits for no one, and the writer goes on
    /// committing meanwhile. Left to SQLite, the checkpoint runs inside the writer's
    /// commit every 1,000 pages, fsyncs included, and every delivery waits for it
    /// (see <see cref="IOrderedAppend"/>). A checkpoint that fails is tried again
    /// at the next interval; past <see cref="WriterCheckpointPages"/> the writer
    /// checkpoints itself.
    /// </summary>
    private void CheckpointLoop()
    {
        var stopped = _stopping.Token.WaitHandle;
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            while (!stopped.WaitOne(_options.CheckpointInterval))
            {
                try
                {
                    if (connection.State != System.Data.ConnectionState.Open)
                    {
                        connection.Open();
                    }

                    Execute(connection, "PRAGMA wal_checkpoint(PASSIVE)");
                    Interlocked.Increment(ref _checkpoints);
                }
                catch (SqliteException)
                {
                    // The disk or the file is in trouble; the writer's own writes say so. Tried again next time.
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The store closed while the thread started.
        }
    }

    /// <summary>Passive checkpoints the checkpointer thread has run.</summary>
    internal int CheckpointCount => Volatile.Read(ref _checkpoints);

    /// <summary>Waits for queued writes; messages waiting to be applied are applied when their delay runs out meanwhile. False once the queue is closed.</summary>
    private bool WaitForWork(ChannelReader<WriteItem> reader)
    {
        var ready = reader.WaitToReadAsync();
        if (ready.IsCompleted)
        {
            return ready.Result;
        }

        var task = ready.AsTask();
        if (_pending.Count > 0)
        {
            var left = _options.ApplyDelay - PendingAge();
            if (left <= TimeSpan.Zero || !task.Wait(left))
            {
                Apply(null);
            }
        }

        return task.GetAwaiter().GetResult();
    }

    private TimeSpan PendingAge() => Stopwatch.GetElapsedTime(_pendingSince);

    /// <summary>
    /// One group from the queue. Its messages are written to the journal with one
    /// write and are then complete (the server delivers them); they go into the
    /// database with later groups' (see <see cref="Apply"/>). Anything else in the
    /// group (accounts, retention, a reader's flush) runs in a transaction that
    /// first applies every message before it, so it sees them.
    /// </summary>
    private void RunGroup(List<WriteItem> batch)
    {
        var inserts = new List<InsertItem>();
        List<WriteItem>? others = null;
        foreach (var item in batch)
        {
            if (item is InsertItem insert)
            {
                inserts.Add(insert);
            }
            else
            {
                (others ??= []).Add(item);
            }
        }

        if (inserts.Count > 0)
        {
            Journal(inserts);
        }

        if (others is not null)
        {
            Apply(others);
        }
    }

    /// <summary>Appends the messages to the journal with one write; then they are pending and their tasks complete (or all fail).</summary>
    private void Journal(List<InsertItem> inserts)
    {
        var messages = inserts.ConvertAll(item => item.Message);
        try
        {
            _journal?.Append(messages);
        }
        catch (Exception ex)
        {
            foreach (var item in inserts)
            {
                item.Fail(ex);
            }

            return;
        }

        if (_pending.Count == 0)
        {
            _pendingSince = Stopwatch.GetTimestamp();
        }

        _pending.AddRange(messages);
        Interlocked.Add(ref _unapplied, messages.Count);

        // Follow-ups deliver the group's messages (see IOrderedAppend); each busy socket is then written once with all of them.
        using var hold = LineConnection.HoldWriters();
        foreach (var item in inserts)
        {
            item.Complete();
        }
    }

    /// <summary>
    /// Between groups, once <see cref="ApplyChunk"/> journaled messages are not yet
    /// in the open transaction, inserts them (opening it if need be) without
    /// committing. A commit writes every page the transaction touched to the log,
    /// and private talk touches a page per conversation, so fewer, larger commits
    /// write less per message; inserting as they come keeps each pause of the
    /// writer, and so of the deliveries behind it, to one chunk, and the commit
    /// (<see cref="Apply"/>) to what is left. If an insert fails, the transaction
    /// is rolled back and the messages stay pending for <see cref="Apply"/>.
    /// </summary>
    private void InsertSome()
    {
        if (_pending.Count - _inserted < ApplyChunk)
        {
            return;
        }

        try
        {
            _open ??= _writer.BeginTransaction();
            InsertRest();
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
        {
            RollBackOpen();
        }
    }

    /// <summary>Inserts the pending messages not yet in the open transaction.</summary>
    private void InsertRest()
    {
        for (; _inserted < _pending.Count; _inserted++)
        {
            Insert(_pending[_inserted]);
        }
    }

    /// <summary>Journaled messages inserted at a time between groups (see <see cref="InsertSome"/>).</summary>
    internal const int ApplyChunk = 256;

    /// <summary>Pending messages already inserted into the open, uncommitted transaction.</summary>
    internal int InsertedUncommitted => Volatile.Read(ref _inserted);

    private void RollBackOpen()
    {
        try
        {
            _open?.Dispose();
        }
        catch (SqliteException)
        {
            // SQLite has already rolled it back itself (a full disk, an I/O error).
        }

        _open = null;
        _inserted = 0;
        _touched.Clear();
    }

    /// <summary>
    /// Moves the journaled messages into the database in one transaction (the open
    /// one, if <see cref="InsertSome"/> has begun it), with <paramref name="others"/>
    /// after them, then empties the journal. If it fails the messages stay pending
    /// (and in the journal) and are tried again.
    /// </summary>
    private void Apply(List<WriteItem>? others)
    {
        try
        {
            var tx = _open ?? _writer.BeginTransaction();
            _open = null;
            using (tx)
            {
                InsertRest();

                TouchConversations();
                if (others is not null)
                {
                    foreach (var item in others)
                    {
                        item.Run(_writer, tx);
                    }
                }

                tx.Commit();
            }

            _inserted = 0;
        }
        catch (Exception ex)
        {
            RollBackOpen();
            _pendingSince = Stopwatch.GetTimestamp();
            if (others is not null)
            {
                foreach (var item in others)
                {
                    item.Fail(ex);
                }
            }

            return;
        }

        Interlocked.Add(ref _unapplied, -_pending.Count);
        _pending.Clear();
        try
        {
            _journal?.Clear();
        }
        catch (IOException)
        {
            // Left as it is, the journal is applied again on the next start, and its
            // messages, already in the database by msgid, are skipped.
        }

        if (others is not null)
        {
            foreach (var item in others)
            {
                item.Complete();
            }
        }
    }

    /// <summary>Adds the messages to the open transaction, then their conversations' latest times.</summary>
    private void InsertAll(List<StoredMessage> messages)
    {
        foreach (var m in messages)
        {
            Insert(m);
        }

        TouchConversations();
    }

    /// <summary>
    /// Adds a message to the open transaction through a prepared statement of
    /// SQLite's own (<see cref="SqliteMessageInsert"/>: Microsoft.Data.Sqlite's
    /// command machinery costs more than the insert itself on this path) and notes
    /// its conversation's latest time, which <see cref="TouchConversations"/>
    /// writes once per group.
    /// </summary>
    private void Insert(StoredMessage m)
    {
        _insert ??= new SqliteMessageInsert(_writer.Handle!, Prepare($"INSERT OR IGNORE INTO messages({Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
        _insert.Run(m);
        long time = m.Time.ToUnixTimeMilliseconds();
        ref long latest = ref CollectionsMarshal.GetValueRefOrAddDefault(_touched, m.Conversation, out _);
        latest = Math.Max(latest, time);
    }

    /// <summary>Each conversation of the group once: its latest message time, for TARGETS.</summary>
    private void TouchConversations()
    {
        if (_touched.Count == 0)
        {
            return;
        }

        var stmt = _touch ??= Prepare("""
            INSERT INTO conversations(conversation, last_time) VALUES (?1, ?2)
            ON CONFLICT(conversation) DO UPDATE SET last_time = MAX(last_time, excluded.last_time)
            """);
        try
        {
            foreach (var (conversation, time) in _touched)
            {
                BindText(stmt, 1, conversation);
                raw.sqlite3_bind_int64(stmt, 2, time);
                Step(stmt);
                raw.sqlite3_reset(stmt);
            }
        }
        finally
        {
            raw.sqlite3_reset(stmt);
            _touched.Clear();
        }
    }

    private sqlite3_stmt Prepare(string sql)
    {
        int rc = raw.sqlite3_prepare_v2(_writer.Handle, sql, out var stmt);
        if (rc != raw.SQLITE_OK)
        {
            throw ErrorOf(_writer.Handle!, rc);
        }

        return stmt;
    }

    /// <summary>SQLite's own message for the failed call, as Microsoft.Data.Sqlite would report it.</summary>
    internal static SqliteException ErrorOf(sqlite3 db, int rc) => new(raw.sqlite3_errmsg(db).utf8_to_string(), rc);

    private void Step(sqlite3_stmt stmt)
    {
        int rc = raw.sqlite3_step(stmt);
        if (rc != raw.SQLITE_DONE)
        {
            throw ErrorOf(_writer.Handle!, rc);
        }
    }

    private static void BindText(sqlite3_stmt stmt, int index, string? value)
    {
        if (value is null)
        {
            raw.sqlite3_bind_null(stmt, index);
        }
        else
        {
            raw.sqlite3_bind_text(stmt, index, value);
        }
    }

    // ---- reads ----

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        if (_inMemory)
        {
            // Shared-cache readers would otherwise wait on the writer's table locks.
            Execute(connection, "PRAGMA read_uncommitted=1");
        }

        return connection;
    }

    /// <summary>
    /// Runs a read on a connection of its own. A read of messages first waits for
    /// the writer to apply the journaled ones, so it sees everything delivered
    /// before it began; accounts are never journaled.
    /// </summary>
    private async Task<T> ReadAsync<T>(Func<SqliteConnection, T> read, bool messages = true)
    {
        if (messages && Volatile.Read(ref _unapplied) > 0)
        {
            await Enqueue(new FlushItem()).ConfigureAwait(false);
        }

        return await Task.Run(() =>
        {
            using var connection = OpenReader();
            return read(connection);
        }).ConfigureAwait(false);
    }

    /// <summary>The (time, id) of a reference: a message's own, or an instant placed before or after every id at that time.</summary>
    private static (long Time, long Id)? Position(SqliteConnection c, string conversation, HistoryRef reference, bool late)
    {
        switch (reference)
        {
            case TimeRef t:
                return (t.Time.ToUnixTimeMilliseconds(), late ? long.MaxValue : 0);
            case MsgIdRef m:
                using (var find = c.CreateCommand())
                {
                    find.CommandText = "SELECT time, id FROM messages WHERE msgid = $m AND conversation = $c";
                    find.Parameters.AddWithValue("$m", m.MsgId);
                    find.Parameters.AddWithValue("$c", conversation);
                    using var r = find.ExecuteReader();
                    return r.Read() ? (r.GetInt64(0), r.GetInt64(1)) : null;
                }

            default:
                return null;
        }
    }

    private static List<StoredMessage> Select(SqliteConnection c, string where, string order, int limit, string conversation, params (string Name, object Value)[] args)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {Columns} FROM messages WHERE conversation = $c AND {where} ORDER BY time {order}, id {order} LIMIT $limit";
        cmd.Parameters.AddWithValue("$c", conversation);
        cmd.Parameters.AddWithValue("$limit", limit);
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        var list = new List<StoredMessage>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(StoreRows.Message(r));
        }

        if (order == "DESC")
        {
            list.Reverse();
        }

        return list;
    }


    public Task<IReadOnlyList<StoredMessage>> LatestAsync(string conversation, HistoryRef? after, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(c =>
    {
        if (after is null)
        {
            return Select(c, "1", "DESC", limit, conversation);
        }

        return Position(c, conversation, after, late: true) is { } p
            ? Select(c, "(time, id) > ($t, $i)", "DESC", limit, conversation, ("$t", p.Time), ("$i", p.Id))
            : [];
    });

    public Task<IReadOnlyList<StoredMessage>> BeforeAsync(string conversation, HistoryRef reference, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(c =>
        Position(c, conversation, reference, late: false) is { } p
            ? Select(c, "(time, id) < ($t, $i)", "DESC", limit, conversation, ("$t", p.Time), ("$i", p.Id))
            : []);

    public Task<IReadOnlyList<StoredMessage>> AfterAsync(string conversation, HistoryRef reference, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(c =>
        Position(c, conversation, reference, late: true) is { } p
            ? Select(c, "(time, id) > ($t, $i)", "ASC", limit, conversation, ("$t", p.Time), ("$i", p.Id))
            : []);

    public Task<IReadOnlyList<StoredMessage>> AroundAsync(string conversation, HistoryRef reference, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(c =>
    {
        if (Position(c, conversation, reference, late: false) is not { } p)
        {
            return [];
        }

        var before = Select(c, "(time, id) < ($t, $i)", "DESC", limit / 2, conversation, ("$t", p.Time), ("$i", p.Id));
        var from = Select(c, "(time, id) >= ($t, $i)", "ASC", limit - before.Count, conversation, ("$t", p.Time), ("$i", p.Id));
        before.AddRange(from);
        return before;
    });

    public Task<IReadOnlyList<StoredMessage>> BetweenAsync(string conversation, HistoryRef from, HistoryRef to, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(c =>
    {
        // Each end is excluded; which end is "late" depends on the direction.
        var a0 = Position(c, conversation, from, late: true);
        var b0 = Position(c, conversation, to, late: false);
        if (a0 is null || b0 is null)
        {
            return [];
        }

        if (a0.Value.CompareTo(b0.Value) <= 0)
        {
            var (a, b) = (a0.Value, b0.Value);
            return Select(c, "(time, id) > ($at, $ai) AND (time, id) < ($bt, $bi)", "ASC", limit, conversation,
                ("$at", a.Time), ("$ai", a.Id), ("$bt", b.Time), ("$bi", b.Id));
        }

        // Counting back from a later start.
        var hi = Position(c, conversation, from, late: false)!.Value;
        var lo = Position(c, conversation, to, late: true)!.Value;
        return Select(c, "(time, id) < ($ht, $hi) AND (time, id) > ($lt, $li)", "DESC", limit, conversation,
            ("$ht", hi.Time), ("$hi", hi.Id), ("$lt", lo.Time), ("$li", lo.Id));
    });

    public Task<IReadOnlyList<ConversationSummary>> TargetsAsync(DateTimeOffset from, DateTimeOffset to, int limit, Func<string, bool> visible) => ReadAsync<IReadOnlyList<ConversationSummary>>(c =>
    {
        long lo = Math.Min(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        long hi = Math.Max(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT conversation, last_time FROM conversations WHERE last_time > $lo AND last_time < $hi";
        cmd.Parameters.AddWithValue("$lo", lo);
        cmd.Parameters.AddWithValue("$hi", hi);
        var found = new List<(string Conversation, long Latest)>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                if (visible(r.GetString(0)))
                {
                    found.Add((r.GetString(0), r.GetInt64(1)));
                }
            }
        }

        var chosen = StoreRows.ChooseTargets(found, from, to, limit);
        var result = new List<ConversationSummary>();
        foreach (var (conversation, latest) in chosen)
        {
            var last = Select(c, "time = $t", "DESC", 1, conversation, ("$t", latest));
            if (last.Count == 1)
            {
                result.Add(new ConversationSummary(conversation, DateTimeOffset.FromUnixTimeMilliseconds(latest), last[0]));
            }
        }

        return result;
    });

    public Task<long> CountAsync() => ReadAsync(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM messages";
        return (long)cmd.ExecuteScalar()!;
    });

    // ---- retention ----

    /// <summary>
    /// Deletes messages older than <paramref name="maxAge"/> and all but the newest
    /// <paramref name="maxPerConversation"/> of each conversation. By age it walks the
    /// conversations (<see cref="PruneChunk"/> of them per write, so the writer
    /// delivers between chunks) and deletes each one's old messages through its
    /// index, since no index orders all messages by time (see migration 5).
    /// </summary>
    public async Task<int> PruneAsync(TimeSpan? maxAge, int? maxPerConversation)
    {
        int deleted = 0;
        if (maxAge is { } age)
        {
            long cutoff = (DateTimeOffset.UtcNow - age).ToUnixTimeMilliseconds();
            string after = "";
            while (true)
            {
                var (count, last) = await WriteAsync((c, tx) => PruneOldChunk(c, tx, after, cutoff)).ConfigureAwait(false);
                deleted += count;
                if (last is null)
                {
                    break;
                }

                after = last;
            }
        }

        deleted += await WriteAsync((c, tx) => PruneRest(c, tx, maxPerConversation)).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Conversations walked per write when pruning by age.</summary>
    internal const int PruneChunk = 512;

    /// <summary>The old messages of the next <see cref="PruneChunk"/> conversations after <paramref name="after"/>: how many went, and the last conversation (null when there are no more).</summary>
    private static (int Deleted, string? Last) PruneOldChunk(SqliteConnection c, SqliteTransaction tx, string after, long cutoff)
    {
        var conversations = new List<string>(PruneChunk);
        using (var list = c.CreateCommand())
        {
            list.Transaction = tx;
            list.CommandText = "SELECT conversation FROM conversations WHERE conversation > $after ORDER BY conversation LIMIT $n";
            list.Parameters.AddWithValue("$after", after);
            list.Parameters.AddWithValue("$n", PruneChunk);
            using var r = list.ExecuteReader();
            while (r.Read())
            {
                conversations.Add(r.GetString(0));
            }
        }

        int deleted = 0;
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "DELETE FROM messages WHERE conversation = $c AND time < $cutoff";
        var conversation = cmd.Parameters.Add("$c", SqliteType.Text);
        cmd.Parameters.AddWithValue("$cutoff", cutoff);
        foreach (var name in conversations)
        {
            conversation.Value = name;
            deleted += cmd.ExecuteNonQuery();
        }

        return (deleted, conversations.Count == PruneChunk ? conversations[^1] : null);
    }

    /// <summary>All but the newest <paramref name="maxPerConversation"/> of each conversation, then the conversations left empty.</summary>
    private static int PruneRest(SqliteConnection c, SqliteTransaction tx, int? maxPerConversation)
    {
        int deleted = 0;
        if (maxPerConversation is { } max)
        {
            var conversations = new List<string>();
            using (var list = c.CreateCommand())
            {
                list.Transaction = tx;
                list.CommandText = "SELECT conversation FROM messages GROUP BY conversation HAVING COUNT(*) > $max";
                list.Parameters.AddWithValue("$max", max);
                using var r = list.ExecuteReader();
                while (r.Read())
                {
                    conversations.Add(r.GetString(0));
                }
            }

            foreach (var conversation in conversations)
            {
                using var cmd = c.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = """
                    DELETE FROM messages WHERE conversation = $c AND (time, id) <= (
                        SELECT time, id FROM messages WHERE conversation = $c ORDER BY time DESC, id DESC LIMIT 1 OFFSET $max)
                    """;
                cmd.Parameters.AddWithValue("$c", conversation);
                cmd.Parameters.AddWithValue("$max", max);
                deleted += cmd.ExecuteNonQuery();
            }
        }

        using (var forget = c.CreateCommand())
        {
            forget.Transaction = tx;
            forget.CommandText = "DELETE FROM conversations WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation = conversations.conversation)";
            forget.ExecuteNonQuery();
        }

        return deleted;
    }

    private async Task PruneLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.PruneInterval);
        try
        {
            do
            {
                try
                {
                    await PruneAsync(_options.MaxAge, _options.MaxPerConversation).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ---- accounts ----

    public Task<AccountRecord?> FindAccountAsync(string name) => ReadAsync(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT {StoreRows.AccountColumns}
            FROM accounts WHERE folded = $f
            """;
        cmd.Parameters.AddWithValue("$f", Chat.Core.Protocol.IrcCaseMapping.Fold(name));
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }

        return StoreRows.Account(r);
    }, messages: false);

    public Task<bool> CreateAccountAsync(AccountRecord a) => WriteAsync((c, tx) =>
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT OR IGNORE INTO accounts(folded, name, email, created, pbkdf2_salt, pbkdf2_iterations, pbkdf2_hash,
                scram_salt, scram_iterations, scram_stored_key, scram_server_key)
            VALUES ($f, $n, $e, $c, $ps, $pi, $ph, $ss, $si, $sk, $sv)
            """;
        cmd.Parameters.AddWithValue("$f", a.Folded);
        cmd.Parameters.AddWithValue("$n", a.Name);
        cmd.Parameters.AddWithValue("$e", (object?)a.Email ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$c", a.Created.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$ps", a.Password.Salt);
        cmd.Parameters.AddWithValue("$pi", a.Password.Iterations);
        cmd.Parameters.AddWithValue("$ph", a.Password.Hash);
        cmd.Parameters.AddWithValue("$ss", a.Scram.Salt);
        cmd.Parameters.AddWithValue("$si", a.Scram.Iterations);
        cmd.Parameters.AddWithValue("$sk", a.Scram.StoredKey);
        cmd.Parameters.AddWithValue("$sv", a.Scram.ServerKey);
        return cmd.ExecuteNonQuery() == 1;
    });

    public Task<IReadOnlyList<string>> AccountNamesAsync() => ReadAsync<IReadOnlyList<string>>(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT folded FROM accounts";
        var names = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            names.Add(r.GetString(0));
        }

        return names;
    }, messages: false);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _queue.Writer.TryComplete();
        await Task.Run(() => _writerThread.Join(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        if (_checkpointer is not null)
        {
            await Task.Run(() => _checkpointer.Join(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        }

        await _pruneLoop.ConfigureAwait(false);
        _insert?.Dispose();
        _touch?.Dispose();
        _journal?.Dispose();
        _writer.Dispose();
        SqliteConnection.ClearAllPools();
        _stopping.Dispose();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    // ---- the writer's work items ----

    private abstract class WriteItem
    {
        public abstract void Run(SqliteConnection connection, SqliteTransaction tx);

        public abstract void Complete();

        public abstract void Fail(Exception ex);
    }

    private abstract class WriteItem<T> : WriteItem
    {
        /// <summary>Set by <see cref="WriteItem.Run"/> (or at construction); completes <see cref="Task"/>.</summary>
        protected StoreResult<T> Outcome = new();

        public Task<T> Task => Outcome.Task;

        public override void Complete() => Outcome.Complete();

        public override void Fail(Exception ex) => Outcome.Fail(ex);
    }

    /// <summary>
    /// A message for the journal (see RunGroup); its follow-up (see <see cref="IOrderedAppend"/>)
    /// runs on the writer and its task completes once the journal has it.
    /// </summary>
    private sealed class InsertItem : WriteItem<bool>
    {
        private readonly Action<Exception?>? _stored;

        public InsertItem(StoredMessage message, Action<Exception?>? stored)
        {
            Message = message;
            Outcome.Value = true;
            _stored = stored;
        }

        public StoredMessage Message { get; }

        public override void Complete()
        {
            Stored(null);
            base.Complete();
        }

        public override void Fail(Exception ex)
        {
            Stored(ex);
            base.Fail(ex);
        }

        /// <summary>Runs the follow-up, if any; what it throws must not stop the writer.</summary>
        private void Stored(Exception? error)
        {
            try
            {
                _stored?.Invoke(error);
            }
            catch (Exception ex)
            {
                Trace.TraceError("A stored message's follow-up failed: {0}", ex);
            }
        }

        public override void Run(SqliteConnection connection, SqliteTransaction tx) =>
            throw new InvalidOperationException("Messages are applied by the writer, not run as items.");
    }

    /// <summary>A reader's barrier: done once every message delivered before it is in the database.</summary>
    private sealed class FlushItem : WriteItem<bool>
    {
        public FlushItem()
        {
            Outcome.Value = true;
        }

        public override void Run(SqliteConnection connection, SqliteTransaction tx)
        {
        }
    }

    /// <summary>Arbitrary work in a savepoint, so its failure undoes only itself.</summary>
    private sealed class FuncItem<T> : WriteItem<T>
    {
        private readonly Func<SqliteConnection, SqliteTransaction, T> _work;

        public FuncItem(Func<SqliteConnection, SqliteTransaction, T> work)
        {
            _work = work;
        }

        public override void Run(SqliteConnection connection, SqliteTransaction tx)
        {
            tx.Save("item");
            try
            {
                Outcome.Value = _work(connection, tx);
                tx.Release("item");
            }
            catch (SqliteException ex)
            {
                tx.Rollback("item");
                Outcome.Error = ex;
            }
        }
    }
}
