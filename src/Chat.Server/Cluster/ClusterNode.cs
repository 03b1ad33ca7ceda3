using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Chat.Server.Cluster;

/// <summary>
/// This server's link to the other nodes of a cluster: shared presence in
/// PostgreSQL tables, live events with LISTEN/NOTIFY. Started by
/// <see cref="ChatServer"/> when <see cref="ClusterOptions.Database"/> is set.
/// </summary>
/// <remarks>
/// <para>Users of other nodes are <see cref="Client"/> objects without a
/// connection (<see cref="Client.IsRemote"/>), kept in the server's nick table
/// and room member lists like local users, so NAMES, WHO, WHOIS, ISON, member
/// counts, bans and nick collisions need no cluster code. They are changed only
/// here, under <see cref="ServerState.Gate"/>, by events applied one at a time in
/// the order PostgreSQL delivered them.</para>
/// <para>Threads: commands call the publishing methods (ClusterNode.Publish.cs)
/// under or outside the gate; they only queue. One writer loop sends the queue
/// to the database, one listener receives notifications into an inbox, and one
/// consumer applies the inbox in order (ClusterNode.Apply.cs). No database I/O
/// ever happens under the gate.</para>
/// <para>Order: PostgreSQL delivers notifications to every listener in commit
/// order. Events from other nodes are applied and shown in that order, and a
/// node keeps what its own users would be told of its own events (room
/// messages, JOIN, PART, NICK, TOPIC, MODE, KICK, QUIT) until the event's
/// notification comes back, so every member of a room, on any node, sees one
/// sequence. The acting user sees its own JOIN, PART, NICK, TOPIC, MODE and
/// KICK at once (replies stay in order); its room messages (echo-message) come
/// back in the shared order. While the database is unreachable, everything is
/// told locally at once.</para>
/// <para>Failure: the link loop retries with backoff (0.25 s doubling to 5 s),
/// says once that the database is gone and once that it is back, and on return
/// republishes this node's presence (renaming a local user whose nick another
/// node took meanwhile), reloads the others' and announces the differences.
/// A node that misses heartbeats for <see cref="ClusterOptions.NodeTimeout"/> is
/// removed by the first node to notice, which announces it to all.</para>
/// </remarks>
public sealed partial class ClusterNode : IAsyncDisposable
{
    /// <summary>The LISTEN/NOTIFY channel every node uses.</summary>
    internal const string NotifyChannel = "chat_cluster";

    /// <summary>NOTIFY takes at most 8000 bytes; larger payloads go by reference to cluster_events.</summary>
    internal const int MaxInlinePayload = 7900;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly ChatServer _server;
    private readonly ClusterOptions _options;
    private readonly ClusterLog _log;
    private readonly NpgsqlDataSource _data;
    private readonly string _listenConnectionString;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<Outbound> _outbox = System.Threading.Channels.Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<object> _inbox = System.Threading.Channels.Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _pendingLock = new();
    private readonly SortedDictionary<long, Action> _pending = new();
    private Task? _linkLoop;
    private Task? _consumeLoop;
    private long _seq;

    /// <summary>Events queued and not yet committed (for a clean stop to wait on).</summary>
    private int _unwritten;
    private bool _online;
    private int _killed;

    internal ClusterNode(ChatServer server, ClusterOptions options, ILogger logger)
    {
        _server = server;
        _options = options;
        _log = new ClusterLog(logger);
        NodeName = options.NodeName ?? server.Name;
        NodeId = $"{NodeName}/{Guid.NewGuid().ToString("N")[..12]}";
        var builder = new NpgsqlConnectionStringBuilder(options.Database) { ApplicationName = "chat " + NodeName };
        _data = NpgsqlDataSource.Create(builder.ConnectionString);
        // The listener only waits; keepalives make a dead server show up as an error there too.
        _listenConnectionString = new NpgsqlConnectionStringBuilder(builder.ConnectionString)
        {
            Pooling = false,
            KeepAlive = Math.Max(1, (int)options.HeartbeatInterval.TotalSeconds),
        }.ConnectionString;
    }

    /// <summary>This node's name in logs (<see cref="ClusterOptions.NodeName"/> or the server name).</summary>
    public string NodeName { get; }

    /// <summary>This run's id in the shared tables: the name and a random suffix, new at each start.</summary>
    public string NodeId { get; }

    /// <summary>Whether the database is reachable and events flow; false: serving local users only.</summary>
    public bool IsOnline
    {
        get
        {
            lock (_pendingLock)
            {
                return _online;
            }
        }
    }

    /// <summary>How many times the node has (re)joined and loaded the others' presence.</summary>
    internal int SyncCount => Volatile.Read(ref _syncCount);

    private int _syncCount;

    private readonly TaskCompletionSource _firstJoin = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the node has first joined: its presence published, and an earlier node of its name (crashed) replaced.</summary>
    internal Task FirstJoin => _firstJoin.Task;

    /// <summary>Starts connecting in the background; the server serves local users meanwhile.</summary>
    internal void Start()
    {
        _consumeLoop = Task.Run(ConsumeLoopAsync);
        _linkLoop = Task.Run(LinkLoopAsync);
    }

    /// <summary>
    /// Leaves cleanly: publishes what is queued (the QUITs of users just
    /// disconnected), removes this node's presence and tells the others.
    /// </summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (Volatile.Read(ref _killed) == 0 && IsOnline)
        {
            try
            {
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await DrainOutboxAsync(bound.Token).ConfigureAwait(false);
                await using var connection = await _data.OpenConnectionAsync(bound.Token).ConfigureAwait(false);
                await using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(Sql("DELETE FROM cluster_nodes WHERE id = $1", NodeId));
                batch.BatchCommands.Add(NotifyCommand(NewEvent(ClusterEventTypes.NodeGone) with { Text = NodeName }));
                await batch.ExecuteNonQueryAsync(bound.Token).ConfigureAwait(false);
                _log.Left(NodeName);
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
            {
                // The others will notice the silence within the node timeout.
            }
        }

        await ShutDownAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// For tests: dies as a killed process would. Heartbeats stop, database
    /// connections drop and nothing more is published (not even the QUITs of the
    /// users the server then drops), but the presence rows stay for the other
    /// nodes to find stale.
    /// </summary>
    internal async Task KillAsync()
    {
        Interlocked.Exchange(ref _killed, 1);
        lock (_pendingLock)
        {
            _online = false;
            _pending.Clear();
        }

        await ShutDownAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task ShutDownAsync()
    {
        _stopping.Cancel();
        _inbox.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_linkLoop ?? Task.CompletedTask, _consumeLoop ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        await _data.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Connects, serves the link until it fails, and retries with backoff, for the node's whole life.</summary>
    private async Task LinkLoopAsync()
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        long? downSince = null;
        bool everJoined = false;
        while (!_stopping.IsCancellationRequested)
        {
            using var session = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            try
            {
                await RunSessionAsync(session, () =>
                {
                    if (downSince is { } since)
                    {
                        _log.DatabaseBack(NodeName, (Environment.TickCount64 - since) / 1000.0);
                    }

                    downSince = null;
                    everJoined = true;
                    _firstJoin.TrySetResult();
                    backoff = TimeSpan.FromMilliseconds(250);
                }).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                bool wasOnline = GoOffline();
                if (downSince is null)
                {
                    downSince = Environment.TickCount64;
                    if (wasOnline || everJoined)
                    {
                        _log.DatabaseLost(NodeName, Describe(ex));
                    }
                    else
                    {
                        _log.DatabaseUnreachable(NodeName, Describe(ex));
                    }
                }

                // Pooled connections to a restarted server are dead; open fresh ones next time.
                _data.Clear();
            }

            try
            {
                await Task.Delay(backoff, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }

        GoOffline();
    }

    private static string Describe(Exception ex) => ex is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : ex.Message;

    /// <summary>
    /// One connected stretch: migrate, LISTEN, publish this node's presence, load
    /// the others', then run the listener, the heartbeat and the writer until one
    /// fails (or the node stops).
    /// </summary>
    private async Task RunSessionAsync(CancellationTokenSource session, Action joined)
    {
        var cancel = session.Token;
        await using var listener = new NpgsqlConnection(_listenConnectionString);
        await listener.OpenAsync(cancel).ConfigureAwait(false);
        int found = await ClusterSchema.MigrateAsync(listener, cancel).ConfigureAwait(false);
        if (found != ClusterSchema.LatestVersion)
        {
            _log.SchemaMigrated(NodeName, found, ClusterSchema.LatestVersion);
        }

        listener.Notification += (_, e) => _inbox.Writer.TryWrite(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {NotifyChannel}", listener))
        {
            await listen.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
        }

        lock (_pendingLock)
        {
            _online = true;
        }

        // From here on, local changes are queued for the writer; the snapshot
        // published next already holds everything before.
        await RepublishAsync(cancel).ConfigureAwait(false);
        Enqueue(NewEvent(ClusterEventTypes.Sync));
        _inbox.Writer.TryWrite(new Reload(null));
        _log.Joined(NodeName, ClusterSchema.LatestVersion);
        joined();

        var loops = new[] { ListenLoopAsync(listener, cancel), HeartbeatLoopAsync(cancel), WriteLoopAsync(cancel) };
        var first = await Task.WhenAny(loops).ConfigureAwait(false);
        session.Cancel();
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The first failure is the one that counts.
        }

        await first.ConfigureAwait(false);
        throw new NpgsqlException("The cluster link closed");
    }

    /// <summary>
    /// Marks the node offline and delivers, locally and in order, the room
    /// messages still waiting for their round trip; queued events are dropped
    /// (the next session republishes the whole presence). Returns whether it was online.
    /// </summary>
    private bool GoOffline()
    {
        List<Action> stranded;
        bool was;
        lock (_pendingLock)
        {
            was = _online;
            _online = false;
            stranded = [.. _pending.Values];
            _pending.Clear();
            while (_outbox.Reader.TryRead(out _))
            {
            }

            Volatile.Write(ref _unwritten, 0);
        }

        if (Volatile.Read(ref _killed) == 0)
        {
            foreach (var tell in stranded)
            {
                TellLocally(tell);
            }
        }

        return was;
    }

    private static async Task ListenLoopAsync(NpgsqlConnection listener, CancellationToken cancel)
    {
        while (true)
        {
            await listener.WaitAsync(cancel).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every <see cref="ClusterOptions.HeartbeatInterval"/>: says this node is
    /// alive, removes nodes silent for <see cref="ClusterOptions.NodeTimeout"/>
    /// (announcing each), and prunes old large payloads and empty rooms. Finding
    /// its own row gone (others took it for dead) ends the session, so the next
    /// one republishes everything.
    /// </summary>
    private async Task HeartbeatLoopAsync(CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        while (await timer.WaitForNextTickAsync(cancel).ConfigureAwait(false))
        {
            // A database that hangs rather than refuses: a beat slower than the node
            // timeout means the others may already count this node dead, so the session ends.
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            bound.CancelAfter(_options.NodeTimeout);
            await BeatAsync(bound.Token).ConfigureAwait(false);
        }
    }

    /// <summary>One heartbeat: this node's, the sweep of silent nodes, the pruning.</summary>
    private async Task BeatAsync(CancellationToken cancel)
    {
        await using var connection = await _data.OpenConnectionAsync(cancel).ConfigureAwait(false);
        await using (var beat = new NpgsqlCommand("UPDATE cluster_nodes SET heartbeat = now() WHERE id = $1", connection))
        {
            beat.Parameters.AddWithValue(NodeId);
            if (await beat.ExecuteNonQueryAsync(cancel).ConfigureAwait(false) == 0)
            {
                throw new NpgsqlException("This node was removed from cluster_nodes (taken for dead); rejoining");
            }
        }

        await using (var sweep = new NpgsqlCommand(
            "DELETE FROM cluster_nodes WHERE id <> $1 AND heartbeat < now() - make_interval(secs => $2) " +
            "RETURNING id, name, extract(epoch FROM now() - heartbeat)::float8", connection))
        {
            sweep.Parameters.AddWithValue(NodeId);
            sweep.Parameters.AddWithValue(_options.NodeTimeout.TotalSeconds);
            await using var rows = await sweep.ExecuteReaderAsync(cancel).ConfigureAwait(false);
            while (await rows.ReadAsync(cancel).ConfigureAwait(false))
            {
                string lostName = rows.GetString(1);
                _log.NodeLost(NodeName, lostName, Math.Round(rows.GetDouble(2), 1));
                Enqueue(NewEvent(ClusterEventTypes.NodeLost) with { Target = rows.GetString(0), Text = lostName });
            }
        }

        await using var prune = new NpgsqlBatch(connection);
        prune.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM cluster_events WHERE created_at < now() - interval '1 minute'"));
        prune.BatchCommands.Add(new NpgsqlBatchCommand(
            "DELETE FROM cluster_rooms r WHERE NOT EXISTS (SELECT 1 FROM cluster_members m WHERE m.room_folded = r.name_folded)"));
        await prune.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>Sends queued events in order, up to 64 to a round trip (one implicit transaction).</summary>
    private async Task WriteLoopAsync(CancellationToken cancel)
    {
        var reader = _outbox.Reader;
        var batch = new List<Outbound>();
        while (await reader.WaitToReadAsync(cancel).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 64 && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            await using var connection = await _data.OpenConnectionAsync(cancel).ConfigureAwait(false);
            try
            {
                await ExecuteAsync(connection, batch, cancel).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (IsDataProblem(ex))
            {
                // One bad event (a constraint, a value out of range) must not sink the
                // others: send them one by one and skip the one that fails.
                foreach (var item in batch)
                {
                    try
                    {
                        await ExecuteAsync(connection, [item], cancel).ConfigureAwait(false);
                    }
                    catch (PostgresException single) when (IsDataProblem(single))
                    {
                        _log.PublishFailed(NodeName, item.Event.Type, Describe(single));
                        if (TakePending(item.Event.Seq) is { } stranded)
                        {
                            TellLocally(stranded);
                        }
                    }
                }
            }

            Interlocked.Add(ref _unwritten, -batch.Count);
        }
    }

    /// <summary>Integrity or data errors (classes 22 and 23): the event is at fault, not the link.</summary>
    private static bool IsDataProblem(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    private async Task ExecuteAsync(NpgsqlConnection connection, IReadOnlyList<Outbound> items, CancellationToken cancel)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var item in items)
        {
            item.Writes?.Invoke(batch.BatchCommands);
            batch.BatchCommands.Add(NotifyCommand(item.Event));
        }

        await batch.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>Waits (bounded by <paramref name="cancel"/>) until the writer has taken everything queued.</summary>
    private async Task DrainOutboxAsync(CancellationToken cancel)
    {
        while (Volatile.Read(ref _unwritten) > 0 && IsOnline)
        {
            await Task.Delay(10, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>pg_notify with the event, or, when it is too large for NOTIFY, a row in cluster_events and a reference to it.</summary>
    private NpgsqlBatchCommand NotifyCommand(ClusterEvent e)
    {
        string json = e.ToJson();
        if (System.Text.Encoding.UTF8.GetByteCount(json) <= MaxInlinePayload)
        {
            return Sql($"SELECT pg_notify('{NotifyChannel}', $1)", json);
        }

        var reference = new ClusterEvent { Type = "ref", Node = e.Node, Seq = e.Seq };
        string prefix = reference.ToJson().TrimEnd('}');
        return Sql(
            $"WITH e AS (INSERT INTO cluster_events (payload) VALUES ($1) RETURNING id) " +
            $"SELECT pg_notify('{NotifyChannel}', $2 || ',\"ref\":' || e.id || '}}') FROM e",
            json, prefix);
    }

    internal static NpgsqlBatchCommand Sql(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    private ClusterEvent NewEvent(string type) => new()
    {
        Type = type,
        Node = NodeId,
        Seq = Interlocked.Increment(ref _seq),
        Time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
    };

    /// <summary>
    /// Queues an event (with its table writes) for the writer; never blocks.
    /// <paramref name="tellLocally"/> (what this server's own users are told) is
    /// kept until the event's notification comes back, and run then, in the order
    /// every node receives it. False while offline: nothing is queued, and the
    /// caller tells its users at once.
    /// </summary>
    private bool Enqueue(ClusterEvent e, Action<NpgsqlBatchCommandCollection>? writes = null, Action? tellLocally = null)
    {
        lock (_pendingLock)
        {
            if (!_online)
            {
                return false;
            }

            if (tellLocally is not null)
            {
                _pending[e.Seq] = tellLocally;
            }

            Interlocked.Increment(ref _unwritten);
            _outbox.Writer.TryWrite(new Outbound(e, writes));
            return true;
        }
    }

    /// <summary>Runs what local users are told of a local event, under the gate as announcements are.</summary>
    private void TellLocally(Action tell)
    {
        try
        {
            lock (_server.State.Gate)
            {
                tell();
            }
        }
        catch (Exception ex)
        {
            _log.Failed(ex, NodeName);
        }
    }

    private Action? TakePending(long seq)
    {
        lock (_pendingLock)
        {
            return _pending.Remove(seq, out var tell) ? tell : null;
        }
    }

    /// <summary>An event on its way to the database, with the presence-table writes committed with it.</summary>
    private sealed record Outbound(ClusterEvent Event, Action<NpgsqlBatchCommandCollection>? Writes);

    /// <summary>An inbox entry: reload the presence of one node (or of all, when null) from the tables.</summary>
    private sealed record Reload(string? Node);
}
