using System.Data;
using System.Net.Sockets;
using System.Threading.Channels;
using Npgsql;
using QueueFactory = System.Threading.Channels.Channel;

namespace Chat.Server.Storage;

/// <summary>
/// History and accounts in a PostgreSQL database that several server nodes can
/// share. Behaves as <see cref="SqliteChatStore"/> does: same queries, ordering,
/// retention and accounts.
/// </summary>
/// <remarks>
/// <para>Writes: one writer task owns one connection. It takes everything queued,
/// inserts the messages with one multi-row INSERT (arrays unnested server-side)
/// plus one upsert of the conversations' latest times, runs any other work in
/// savepoints, and commits; then it completes each write's task. The queue is
/// bounded: when the database cannot keep up, senders wait for room.</para>
/// <para>Outages: when the connection is lost the writer keeps the group it was
/// committing, waits (100 ms, doubling up to 5 s) and tries again on a new
/// connection, as long as it takes; new writes queue behind it. Nothing queued
/// is dropped. The outage is logged once when it starts and once when it ends.
/// Messages are inserted with ON CONFLICT (msgid) DO NOTHING, so a group whose
/// commit was cut off halfway (committed or not, the client cannot tell) can
/// safely be sent again.</para>
/// <para>Chat during an outage: with <see cref="StoreOptions.OutageGrace"/> (2 s
/// by default) a watchdog completes the waiting messages once the group in
/// flight is that old (the database is away or stalled), and each new message as
/// soon as it is queued, so users keep talking; the writer stores them in order
/// when the database answers, and messages wait for their commit again. They are
/// in memory meanwhile: bounded by the queue (then senders wait), and lost, with
/// an error in the log saying how many, if the server stops before the database
/// is back. Account creation and retention always wait for the database.</para>
/// <para>Durability: the writer's session sets synchronous_commit=on, so a
/// committed group is in the database's WAL even when the server's default is
/// off; a crash of the database then loses nothing anyone has seen (a power loss
/// too, when the server fsyncs).</para>
/// <para>Reads take a connection from Npgsql's pool and never wait for the
/// writer. A read while the database is away fails (the callers answer FAIL);
/// a pooled connection left dead by a database restart is replaced and the read
/// tried once more.</para>
/// </remarks>
public sealed partial class PostgresChatStore : IChatStore
{
    private const string DurableCommits = "SET synchronous_commit = on";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(5);

    /// <summary>How long disposing waits for queued writes before giving up on an unreachable database.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly StoreOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ServerLog? _log;
    private readonly Channel<WriteItem> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _writerLoop;
    private readonly Task _pruneLoop;
    private NpgsqlConnection? _writer;
    private DateTime? _outageSince;

    /// <summary>The group the writer is committing (a list it no longer changes), for the watchdog; null between groups.</summary>
    private List<WriteItem>? _inFlight;
    private long _inFlightSince;

    /// <summary>True while groups take longer than <see cref="StoreOptions.OutageGrace"/>: new messages complete as soon as they are queued.</summary>
    private volatile bool _holding;

    /// <summary>Messages queued or in flight, roughly in order, for the watchdog to release; the writer trims what has completed.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<InsertItem> _pending = new();
    private int _heldLost;
    private readonly Task _watchdog;
    private int _disposed;

    private PostgresChatStore(StoreOptions options, NpgsqlDataSource dataSource, NpgsqlConnection writer, string database, ServerLog? log)
    {
        _options = options;
        _dataSource = dataSource;
        _writer = writer;
        _log = log;
        Database = database;
        _queue = QueueFactory.CreateBounded<WriteItem>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writerLoop = Task.Run(WriterLoopAsync);
        _pruneLoop = options.MaxAge is null && options.MaxPerConversation is null ? Task.CompletedTask : Task.Run(PruneLoopAsync);
        _watchdog = options.OutageGrace is { } grace ? Task.Run(() => WatchdogAsync(grace)) : Task.CompletedTask;
    }

    /// <summary>Where the database is ("user@host:port/database"), without the password.</summary>
    public string Database { get; }

    /// <summary>
    /// Connects, creates or migrates the schema (under an advisory lock, so nodes
    /// starting together do it once) and starts the writer. <paramref name="connectionString"/>
    /// is an Npgsql connection string or a postgresql:// URL. Throws
    /// <see cref="StoreUnavailableException"/> when the database cannot be reached
    /// or migrated, <see cref="FormatException"/> when the connection string is malformed.
    /// </summary>
    public static PostgresChatStore Open(StoreOptions options, string connectionString, ServerLog? log = null)
    {
        string normalized = PostgresConnectionString.Normalize(connectionString);
        string database = PostgresConnectionString.Describe(normalized);
        var dataSource = NpgsqlDataSource.Create(WithAutoPrepare(normalized));
        NpgsqlConnection? writer = null;
        try
        {
            writer = dataSource.OpenConnection();
            using (var set = new NpgsqlCommand(DurableCommits, writer))
            {
                set.ExecuteNonQuery();
            }

            PostgresMigrations.Apply(writer);
            return new PostgresChatStore(options, dataSource, writer, database, log);
        }
        catch (Exception ex) when (IsDatabaseError(ex))
        {
            writer?.Dispose();
            dataSource.Dispose();
            throw new StoreUnavailableException($"cannot use the PostgreSQL database {database}: {OneLine(ex)}", ex);
        }
    }

    /// <summary>
    /// The store runs the same dozen statements over and over: unless the connection
    /// string says otherwise, Npgsql prepares them on each connection after a few uses.
    /// </summary>
    private static string WithAutoPrepare(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 32;
        }

        return builder.ConnectionString;
    }

    private static string OneLine(Exception ex) => ex.Message.ReplaceLineEndings(" ").Trim();

    private static bool IsDatabaseError(Exception ex) =>
        ex is NpgsqlException or IOException or SocketException or TimeoutException or InvalidOperationException;

    /// <summary>A lost connection or a database restarting: worth waiting for and trying again.</summary>
    private static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException or EndOfStreamException,
        IOException or SocketException or TimeoutException => true,
        _ => false,
    };

    public Task AppendAsync(StoredMessage message)
    {
        var item = new InsertItem(message);
        if (_options.OutageGrace is not null)
        {
            _pending.Enqueue(item);
        }

        return Enqueue(item);
    }

    /// <summary>Runs <paramref name="work"/> in the writer's next group, in a savepoint of its own.</summary>
    private Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work) => Enqueue(new FuncItem<T>(work));

    private Task<T> Enqueue<T>(WriteItem<T> item)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(PostgresChatStore)));
        }

        if (!_queue.Writer.TryWrite(item))
        {
            return EnqueueSlowAsync(item);
        }

        if (_holding)
        {
            item.Release();
        }

        return item.Task;
    }

    private async Task<T> EnqueueSlowAsync<T>(WriteItem<T> item)
    {
        await _queue.Writer.WriteAsync(item).ConfigureAwait(false);
        if (_holding)
        {
            item.Release();
        }

        return await item.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps chat going while the database is away or stalled: once the group in
    /// flight is older than <paramref name="grace"/>, every message waiting (and
    /// every message queued until a group commits again) completes at once, so it
    /// is delivered; the writer still commits them, in order, when the database answers.
    /// </summary>
    private async Task WatchdogAsync(TimeSpan grace)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(grace.TotalMilliseconds / 4, 10, 250)));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                var group = Volatile.Read(ref _inFlight);
                if (group is null || System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _inFlightSince)) < grace)
                {
                    continue;
                }

                if (!_holding)
                {
                    _holding = true;
                    _log?.StoreHolding(Database, grace.TotalSeconds, _pending.Count);
                }

                foreach (var item in _pending)
                {
                    item.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WriterLoopAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (_options.CommitWindow > TimeSpan.Zero)
            {
                await Task.Delay(_options.CommitWindow).ConfigureAwait(false);
            }

            // A new list for each group: the watchdog may read the one in flight.
            var batch = new List<WriteItem>(Math.Min(_options.MaxBatch, Math.Max(16, reader.Count)));
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            Interlocked.Exchange(ref _inFlightSince, System.Diagnostics.Stopwatch.GetTimestamp());
            Volatile.Write(ref _inFlight, batch);
            bool committed = await CommitGroupAsync(batch).ConfigureAwait(false);
            Volatile.Write(ref _inFlight, null);
            if (committed)
            {
                // Caught up: messages wait for their commit again.
                _holding = false;
            }

            while (_pending.TryPeek(out var head) && head.Task.IsCompleted && _pending.TryDequeue(out _))
            {
            }
        }
    }

    /// <summary>
    /// Commits one group, waiting out a lost connection; completes or fails every
    /// item of it. False when it gave up because the store is closing.
    /// </summary>
    private async Task<bool> CommitGroupAsync(List<WriteItem> batch)
    {
        var token = _abort.Token;
        var wait = FirstRetry;
        while (true)
        {
            try
            {
                var connection = await WriterConnectionAsync(token).ConfigureAwait(false);
                if (batch.TrueForAll(item => item is InsertItem))
                {
                    // Only messages (the usual group): one round trip, the batch's implicit transaction.
                    await InsertAsync(connection, null, batch, token).ConfigureAwait(false);
                }
                else
                {
                    await using var tx = await connection.BeginTransactionAsync(token).ConfigureAwait(false);
                    await InsertAsync(connection, tx, batch, token).ConfigureAwait(false);
                    foreach (var item in batch)
                    {
                        await item.RunAsync(connection, tx, token).ConfigureAwait(false);
                    }

                    await tx.CommitAsync(token).ConfigureAwait(false);
                }

                break;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Abandon(batch);
                return false;
            }
            catch (Exception ex) when (IsTransient(ex) || _writer?.FullState is not ConnectionState.Open)
            {
                DropWriter();
                if (_outageSince is null)
                {
                    _outageSince = DateTime.UtcNow;
                    _log?.StoreUnavailable(ex, Database, batch.Count + _queue.Reader.Count);
                }

                try
                {
                    await Task.Delay(wait, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Abandon(batch);
                    return false;
                }

                wait = wait * 2 < LongestRetry ? wait * 2 : LongestRetry;
            }
            catch (Exception) when (batch.Count > 1)
            {
                // Not the connection: something in the group is refused. Commit each item alone,
                // so only the one at fault fails.
                bool all = true;
                foreach (var item in batch)
                {
                    all &= await CommitGroupAsync([item]).ConfigureAwait(false);
                }

                return all;
            }
            catch (Exception ex)
            {
                // Not the connection: the database refuses this item.
                Fail(batch, ex);
                return true;
            }
        }

        if (_outageSince is { } since)
        {
            _outageSince = null;
            _log?.StoreReconnected(Database, (DateTime.UtcNow - since).TotalSeconds);

            // Readers' pooled connections died with the old server; open fresh ones.
            _dataSource.Clear();
        }

        foreach (var item in batch)
        {
            item.Complete();
        }

        return true;
    }

    /// <summary>The store is closing and the database is away: the group fails, and messages already delivered are counted as lost.</summary>
    private void Abandon(List<WriteItem> batch)
    {
        foreach (var item in batch)
        {
            if (item.Released)
            {
                Interlocked.Increment(ref _heldLost);
            }
        }

        Fail(batch, new ObjectDisposedException(nameof(PostgresChatStore), $"The store was closed while the database {Database} could not be reached."));
    }

    private static void Fail(List<WriteItem> batch, Exception ex)
    {
        foreach (var item in batch)
        {
            item.Fail(ex);
        }
    }

    private async Task<NpgsqlConnection> WriterConnectionAsync(CancellationToken token)
    {
        if (_writer is { FullState: ConnectionState.Open } open)
        {
            return open;
        }

        DropWriter();
        var connection = await _dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
        try
        {
            await DurableCommitsAsync(connection, token).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _writer = connection;
        return connection;
    }

    /// <summary>
    /// A commit the writer reports has reached the database's WAL, whatever the
    /// server's default: with synchronous_commit off a crash of the database could
    /// lose messages that people have already seen.
    /// </summary>
    private static async Task DurableCommitsAsync(NpgsqlConnection connection, CancellationToken token)
    {
        await using var set = new NpgsqlCommand(DurableCommits, connection);
        await set.ExecuteNonQueryAsync(token).ConfigureAwait(false);
    }

    private void DropWriter()
    {
        var writer = _writer;
        _writer = null;
        try
        {
            writer?.Dispose();
        }
        catch (Exception ex) when (IsDatabaseError(ex))
        {
            // A broken connection may complain while closing; it is gone either way.
        }
    }

    /// <summary>Inserts every message of the group with one statement, and moves each conversation's latest time.</summary>
    /// <remarks>Without <paramref name="tx"/> the two statements still commit or fail together: an NpgsqlBatch runs in one implicit transaction.</remarks>
    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, List<WriteItem> batch, CancellationToken token)
    {
        int count = 0;
        foreach (var item in batch)
        {
            if (item is InsertItem)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return;
        }

        var msgids = new string[count];
        var times = new long[count];
        var conversations = new string[count];
        var commands = new string[count];
        var senders = new string[count];
        var nicks = new string[count];
        var accounts = new string?[count];
        var targets = new string[count];
        var texts = new string[count];
        var tags = new string?[count];
        int i = 0;
        foreach (var item in batch)
        {
            if (item is InsertItem { Message: var m })
            {
                msgids[i] = m.MsgId;
                times[i] = m.Time.ToUnixTimeMilliseconds();
                conversations[i] = m.Conversation;
                commands[i] = m.Command;
                senders[i] = m.Sender;
                nicks[i] = m.SenderNick;
                accounts[i] = m.Account;
                targets[i] = m.Target;
                texts[i] = m.Text;
                tags[i] = m.Tags;
                i++;
            }
        }

        await using var insert = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                // Unnest keeps the group's order, so ids (the tie-breaker at equal times) follow it.
                new NpgsqlBatchCommand($"""
                    INSERT INTO messages({Columns})
                    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                    ON CONFLICT (msgid) DO NOTHING
                    """)
                {
                    Parameters =
                    {
                        new NpgsqlParameter { Value = msgids }, new NpgsqlParameter { Value = times }, new NpgsqlParameter { Value = conversations }, new NpgsqlParameter { Value = commands },
                        new NpgsqlParameter { Value = senders }, new NpgsqlParameter { Value = nicks }, new NpgsqlParameter { Value = accounts }, new NpgsqlParameter { Value = targets },
                        new NpgsqlParameter { Value = texts }, new NpgsqlParameter { Value = tags },
                    },
                },

                // One row per conversation, locked in name order, so two nodes never deadlock on them.
                new NpgsqlBatchCommand("""
                    INSERT INTO conversations(conversation, last_time)
                    SELECT conversation, MAX(time) FROM unnest($1::text[], $2::bigint[]) AS u(conversation, time)
                    GROUP BY conversation ORDER BY conversation
                    ON CONFLICT (conversation) DO UPDATE SET last_time = GREATEST(conversations.last_time, excluded.last_time)
                    """)
                {
                    Parameters = { new NpgsqlParameter { Value = conversations }, new NpgsqlParameter { Value = times } },
                },
            },
        };

        // Prepared once per connection (Npgsql keeps it by its text), so later groups skip parsing and planning.
        await insert.PrepareAsync(token).ConfigureAwait(false);
        await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false);
    }

    // ---- retention ----

    public Task<int> PruneAsync(TimeSpan? maxAge, int? maxPerConversation) => WriteAsync(async (c, tx, token) =>
    {
        int deleted = 0;
        if (maxAge is { } age)
        {
            await using var cmd = new NpgsqlCommand("DELETE FROM messages WHERE time < @cutoff", c, tx);
            cmd.Parameters.AddWithValue("cutoff", (DateTimeOffset.UtcNow - age).ToUnixTimeMilliseconds());
            deleted += await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
        }

        if (maxPerConversation is { } max)
        {
            await using var cmd = new NpgsqlCommand("""
                DELETE FROM messages WHERE id IN (
                    SELECT id FROM (
                        SELECT id, row_number() OVER (PARTITION BY conversation ORDER BY time DESC, id DESC) AS newest
                        FROM messages) ranked
                    WHERE newest > @max)
                """, c, tx);
            cmd.Parameters.AddWithValue("max", (long)max);
            deleted += await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false);
        }

        await using (var forget = new NpgsqlCommand(
            "DELETE FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation = c.conversation)", c, tx))
        {
            await forget.ExecuteNonQueryAsync(token).ConfigureAwait(false);
        }

        return deleted;
    });

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
                catch (Exception ex) when (IsDatabaseError(ex))
                {
                    // The next tick tries again; the outage itself is logged by the writer.
                }
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ---- accounts (writes) ----

    public Task<bool> CreateAccountAsync(Accounts.AccountRecord a) => WriteAsync(async (c, tx, token) =>
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO accounts(folded, name, email, created, pbkdf2_salt, pbkdf2_iterations, pbkdf2_hash,
                scram_salt, scram_iterations, scram_stored_key, scram_server_key)
            VALUES (@f, @n, @e, @c, @ps, @pi, @ph, @ss, @si, @sk, @sv)
            ON CONFLICT (folded) DO NOTHING
            """, c, tx);
        cmd.Parameters.AddWithValue("f", a.Folded);
        cmd.Parameters.AddWithValue("n", a.Name);
        cmd.Parameters.AddWithValue("e", NpgsqlTypes.NpgsqlDbType.Text, (object?)a.Email ?? DBNull.Value);
        cmd.Parameters.AddWithValue("c", a.Created.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("ps", a.Password.Salt);
        cmd.Parameters.AddWithValue("pi", a.Password.Iterations);
        cmd.Parameters.AddWithValue("ph", a.Password.Hash);
        cmd.Parameters.AddWithValue("ss", a.Scram.Salt);
        cmd.Parameters.AddWithValue("si", a.Scram.Iterations);
        cmd.Parameters.AddWithValue("sk", a.Scram.StoredKey);
        cmd.Parameters.AddWithValue("sv", a.Scram.ServerKey);
        return await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false) == 1;
    });

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();

        // Queued writes get their chance to commit; a database that stays away does not hold the stop forever.
        if (await Task.WhenAny(_writerLoop, Task.Delay(DrainTimeout)).ConfigureAwait(false) != _writerLoop)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
        }

        await _writerLoop.ConfigureAwait(false);
        await _pruneLoop.ConfigureAwait(false);
        await _watchdog.ConfigureAwait(false);
        if (_heldLost > 0)
        {
            _log?.StoreHeldLost(_heldLost, Database);
        }

        DropWriter();
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _abort.Dispose();
    }

    // ---- the writer's work items ----

    private abstract class WriteItem
    {
        /// <summary>Completed before its commit, while the database was away (see <see cref="WatchdogAsync"/>).</summary>
        public bool Released { get; protected set; }

        public abstract Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken token);

        /// <summary>Completes a message's task ahead of its commit; other work keeps waiting for the database.</summary>
        public virtual void Release()
        {
        }

        public abstract void Complete();

        public abstract void Fail(Exception ex);
    }

    private abstract class WriteItem<T> : WriteItem
    {
        /// <summary>Set by <see cref="WriteItem.RunAsync"/> (or at construction); completes <see cref="Task"/>.</summary>
        protected StoreResult<T> Outcome = new();

        public Task<T> Task => Outcome.Task;

        public override void Complete() => Outcome.Complete();

        public override void Fail(Exception ex) => Outcome.Fail(ex);
    }

    /// <summary>A message; the group inserts all of them at once (see <see cref="InsertAsync"/>).</summary>
    private sealed class InsertItem : WriteItem<bool>
    {
        public InsertItem(StoredMessage message)
        {
            Message = message;
            Outcome.Value = true;
        }

        public StoredMessage Message { get; }

        public override Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken token) => System.Threading.Tasks.Task.CompletedTask;

        public override void Release()
        {
            if (!Task.IsCompleted)
            {
                Released = true;
                Complete();
            }
        }
    }

    /// <summary>Arbitrary work in a savepoint, so its failure undoes only itself; a lost connection fails the group (and it is retried).</summary>
    private sealed class FuncItem<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work) : WriteItem<T>
    {
        public override async Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken token)
        {
            Outcome.Error = null;
            await tx.SaveAsync("item", token).ConfigureAwait(false);
            try
            {
                Outcome.Value = await work(connection, tx, token).ConfigureAwait(false);
                await tx.ReleaseAsync("item", token).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (!IsTransient(ex))
            {
                await tx.RollbackAsync("item", token).ConfigureAwait(false);
                Outcome.Error = ex;
            }
        }
    }
}
