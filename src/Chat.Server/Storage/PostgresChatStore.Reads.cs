using Chat.Server.Accounts;
using Npgsql;

namespace Chat.Server.Storage;

/// <summary>The queries: each on a pooled connection of its own, never waiting for the writer.</summary>
public sealed partial class PostgresChatStore
{
    private const string Columns = StoreRows.MessageColumns;

    private async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> read)
    {
        for (int attempt = 1; ; attempt++)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
                return await read(connection).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt == 1 && IsTransient(ex) && ex is not TimeoutException && ex.InnerException is not TimeoutException)
            {
                // Most likely a pooled connection the database dropped when it restarted: once more with fresh ones.
                _dataSource.Clear();
            }
        }
    }

    /// <summary>The (time, id) of a reference: a message's own, or an instant placed before or after every id at that time.</summary>
    private static async Task<(long Time, long Id)?> PositionAsync(NpgsqlConnection c, string conversation, HistoryRef reference, bool late)
    {
        switch (reference)
        {
            case TimeRef t:
                return (t.Time.ToUnixTimeMilliseconds(), late ? long.MaxValue : 0);
            case MsgIdRef m:
                await using (var find = new NpgsqlCommand("SELECT time, id FROM messages WHERE msgid = @m AND conversation = @c", c))
                {
                    find.Parameters.AddWithValue("m", m.MsgId);
                    find.Parameters.AddWithValue("c", conversation);
                    await using var r = await find.ExecuteReaderAsync().ConfigureAwait(false);
                    return await r.ReadAsync().ConfigureAwait(false) ? (r.GetInt64(0), r.GetInt64(1)) : null;
                }

            default:
                return null;
        }
    }

    private static async Task<List<StoredMessage>> SelectAsync(NpgsqlConnection c, string where, string order, int limit, string conversation, params (string Name, object Value)[] args)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {Columns} FROM messages WHERE conversation = @c AND {where} ORDER BY time {order}, id {order} LIMIT @limit", c);
        cmd.Parameters.AddWithValue("c", conversation);
        cmd.Parameters.AddWithValue("limit", (long)Math.Max(0, limit));
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        var list = new List<StoredMessage>();
        await using (var r = await cmd.ExecuteReaderAsync().ConfigureAwait(false))
        {
            while (await r.ReadAsync().ConfigureAwait(false))
            {
                list.Add(StoreRows.Message(r));
            }
        }

        if (order == "DESC")
        {
            list.Reverse();
        }

        return list;
    }


    public Task<IReadOnlyList<StoredMessage>> LatestAsync(string conversation, HistoryRef? after, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(async c =>
    {
        if (after is null)
        {
            return await SelectAsync(c, "TRUE", "DESC", limit, conversation).ConfigureAwait(false);
        }

        return await PositionAsync(c, conversation, after, late: true).ConfigureAwait(false) is { } p
            ? await SelectAsync(c, "(time, id) > (@t, @i)", "DESC", limit, conversation, ("t", p.Time), ("i", p.Id)).ConfigureAwait(false)
            : [];
    });

    public Task<IReadOnlyList<StoredMessage>> BeforeAsync(string conversation, HistoryRef reference, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(async c =>
        await PositionAsync(c, conversation, reference, late: false).ConfigureAwait(false) is { } p
            ? await SelectAsync(c, "(time, id) < (@t, @i)", "DESC", limit, conversation, ("t", p.Time), ("i", p.Id)).ConfigureAwait(false)
            : []);

    public Task<IReadOnlyList<StoredMessage>> AfterAsync(string conversation, HistoryRef reference, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(async c =>
        await PositionAsync(c, conversation, reference, late: true).ConfigureAwait(false) is { } p
            ? await SelectAsync(c, "(time, id) > (@t, @i)", "ASC", limit, conversation, ("t", p.Time), ("i", p.Id)).ConfigureAwait(false)
            : []);

    public Task<IReadOnlyList<StoredMessage>> AroundAsync(string conversation, HistoryRef reference, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(async c =>
    {
        if (await PositionAsync(c, conversation, reference, late: false).ConfigureAwait(false) is not { } p)
        {
            return [];
        }

        var before = await SelectAsync(c, "(time, id) < (@t, @i)", "DESC", limit / 2, conversation, ("t", p.Time), ("i", p.Id)).ConfigureAwait(false);
        var from = await SelectAsync(c, "(time, id) >= (@t, @i)", "ASC", limit - before.Count, conversation, ("t", p.Time), ("i", p.Id)).ConfigureAwait(false);
        before.AddRange(from);
        return before;
    });

    public Task<IReadOnlyList<StoredMessage>> BetweenAsync(string conversation, HistoryRef from, HistoryRef to, int limit) => ReadAsync<IReadOnlyList<StoredMessage>>(async c =>
    {
        // Each end is excluded; which end is "late" depends on the direction.
        var a0 = await PositionAsync(c, conversation, from, late: true).ConfigureAwait(false);
        var b0 = await PositionAsync(c, conversation, to, late: false).ConfigureAwait(false);
        if (a0 is null || b0 is null)
        {
            return [];
        }

        if (a0.Value.CompareTo(b0.Value) <= 0)
        {
            var (a, b) = (a0.Value, b0.Value);
            return await SelectAsync(c, "(time, id) > (@at, @ai) AND (time, id) < (@bt, @bi)", "ASC", limit, conversation,
                ("at", a.Time), ("ai", a.Id), ("bt", b.Time), ("bi", b.Id)).ConfigureAwait(false);
        }

        // Counting back from a later start.
        var hi = (await PositionAsync(c, conversation, from, late: false).ConfigureAwait(false))!.Value;
        var lo = (await PositionAsync(c, conversation, to, late: true).ConfigureAwait(false))!.Value;
        return await SelectAsync(c, "(time, id) < (@ht, @hi) AND (time, id) > (@lt, @li)", "DESC", limit, conversation,
            ("ht", hi.Time), ("hi", hi.Id), ("lt", lo.Time), ("li", lo.Id)).ConfigureAwait(false);
    });

    public Task<IReadOnlyList<ConversationSummary>> TargetsAsync(DateTimeOffset from, DateTimeOffset to, int limit, Func<string, bool> visible) => ReadAsync<IReadOnlyList<ConversationSummary>>(async c =>
    {
        long lo = Math.Min(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        long hi = Math.Max(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var found = new List<(string Conversation, long Latest)>();
        await using (var cmd = new NpgsqlCommand("SELECT conversation, last_time FROM conversations WHERE last_time > @lo AND last_time < @hi", c))
        {
            cmd.Parameters.AddWithValue("lo", lo);
            cmd.Parameters.AddWithValue("hi", hi);
            await using var r = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
            while (await r.ReadAsync().ConfigureAwait(false))
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
            var last = await SelectAsync(c, "time = @t", "DESC", 1, conversation, ("t", latest)).ConfigureAwait(false);
            if (last.Count == 1)
            {
                result.Add(new ConversationSummary(conversation, DateTimeOffset.FromUnixTimeMilliseconds(latest), last[0]));
            }
        }

        return result;
    });

    public Task<long> CountAsync() => ReadAsync(async c =>
    {
        await using var cmd = new NpgsqlCommand("SELECT COUNT(*) FROM messages", c);
        return (long)(await cmd.ExecuteScalarAsync().ConfigureAwait(false))!;
    });

    // ---- accounts (reads) ----

    public Task<AccountRecord?> FindAccountAsync(string name) => ReadAsync(async c =>
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT {StoreRows.AccountColumns}
            FROM accounts WHERE folded = @f
            """, c);
        cmd.Parameters.AddWithValue("f", Chat.Core.Protocol.IrcCaseMapping.Fold(name));
        await using var r = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await r.ReadAsync().ConfigureAwait(false))
        {
            return null;
        }

        return StoreRows.Account(r);
    });

    public Task<IReadOnlyList<string>> AccountNamesAsync() => ReadAsync<IReadOnlyList<string>>(async c =>
    {
        await using var cmd = new NpgsqlCommand("SELECT folded FROM accounts", c);
        var names = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
        while (await r.ReadAsync().ConfigureAwait(false))
        {
            names.Add(r.GetString(0));
        }

        return names;
    });
}
