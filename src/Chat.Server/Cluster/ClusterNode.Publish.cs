using System.Collections.Concurrent;
using Chat.Core.Protocol;
using Npgsql;

namespace Chat.Server.Cluster;

/// <summary>What local users do, turned into events for the other nodes. Every method here only queues.</summary>
public sealed partial class ClusterNode
{
    /// <summary>Local users by cluster id (for private messages, kicks and invites from other nodes).</summary>
    private readonly ConcurrentDictionary<string, Client> _local = new(StringComparer.Ordinal);
    private long _nextUser;

    /// <summary>The local user's cluster id, given on first use.</summary>
    private string IdOf(Client client)
    {
        if (client.ClusterId is { } id)
        {
            return id;
        }

        id = $"{NodeId}:{Interlocked.Increment(ref _nextUser)}";
        client.ClusterId = id;
        _local[id] = client;
        return id;
    }

    /// <summary>
    /// Asks the database for <paramref name="nick"/> before <paramref name="apply"/>
    /// runs (in the client's order, see <see cref="Client.After{T}"/>); a nick held
    /// on any node, or won by another node in the same instant, runs
    /// <paramref name="refused"/> instead. Returns false while offline: the caller
    /// then goes ahead at once, and the nick is checked when the link is back.
    /// </summary>
    internal bool ClaimNickFirst(Client client, string nick, Action apply, Action refused)
    {
        if (!IsOnline)
        {
            return false;
        }

        client.After(ClaimNickAsync(client, nick), claim =>
        {
            if (claim.IsCompletedSuccessfully && !claim.Result)
            {
                refused();
                return;
            }

            apply();
            if (!IrcCaseMapping.Equals(client.Nick ?? "", nick))
            {
                // Refused locally after all (a departing remote user not yet gone here): give the claim back.
                _ = ClaimNickAsync(client, client.Nick);
            }
        });
        return true;
    }

    /// <summary>How long a nick claim may wait on the database before the user is served without its answer.</summary>
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromSeconds(5);

    /// <summary>True when the nick is this client's in the tables now (or the database could not say in time).</summary>
    private async Task<bool> ClaimNickAsync(Client client, string? nick)
    {
        string id = IdOf(client);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        bound.CancelAfter(ClaimTimeout);
        var cancel = bound.Token;
        try
        {
            await using var connection = await _data.OpenConnectionAsync(cancel).ConfigureAwait(false);
            if (nick is null)
            {
                await using var release = new NpgsqlCommand("DELETE FROM cluster_users WHERE id = $1", connection);
                release.Parameters.AddWithValue(id);
                await release.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
                return true;
            }

            return await TryClaimRowAsync(connection, id, nick, cancel).ConfigureAwait(false)
                || await TakeOverReleasedNickAsync(connection, id, nick, cancel).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or ObjectDisposedException)
        {
            // No answer: serve the user now; the link's return settles the nick.
            return true;
        }
    }

    /// <summary>Writes <paramref name="nick"/> into this client's row; false when the UNIQUE index says another row has it.</summary>
    private async Task<bool> TryClaimRowAsync(NpgsqlConnection connection, string id, string nick, CancellationToken cancel)
    {
        await using var claim = new NpgsqlCommand(
            "INSERT INTO cluster_users (id, node_id, nick_folded, nick) VALUES ($1, $2, $3, $4) " +
            "ON CONFLICT (id) DO UPDATE SET nick_folded = EXCLUDED.nick_folded, nick = EXCLUDED.nick", connection);
        claim.Parameters.AddWithValue(id);
        claim.Parameters.AddWithValue(NodeId);
        claim.Parameters.AddWithValue(IrcCaseMapping.Fold(nick));
        claim.Parameters.AddWithValue(nick);
        try
        {
            await claim.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }
    }

    /// <summary>
    /// The claim met another row. Another node's row keeps the nick. This node's
    /// row whose client has left (a quick reconnect under the same nick) is
    /// released by this node's writer in a moment: wait for that, bounded, then
    /// claim. A local client still connected with that row (on its way out, or
    /// registering under the nick too) gets ten looks, 25 ms apart, to go.
    /// </summary>
    private async Task<bool> TakeOverReleasedNickAsync(NpgsqlConnection connection, string id, string nick, CancellationToken cancel)
    {
        string folded = IrcCaseMapping.Fold(nick);
        for (int attempt = 0; attempt < 40; attempt++)
        {
            string? owner = null;
            await using (var find = new NpgsqlCommand("SELECT id, node_id FROM cluster_users WHERE nick_folded = $1", connection))
            {
                find.Parameters.AddWithValue(folded);
                await using var row = await find.ExecuteReaderAsync(cancel).ConfigureAwait(false);
                if (await row.ReadAsync(cancel).ConfigureAwait(false))
                {
                    if (row.GetString(1) != NodeId)
                    {
                        return false; // Another node's user has it.
                    }

                    owner = row.GetString(0);
                }
            }

            if (owner is not null && attempt >= 10 && _server.State.ClientsSnapshot().Any(c => c.ClusterId == owner))
            {
                return false; // A local user still holds it.
            }

            // Gone, or taken again meanwhile (here or on another node): look again.
            if (owner is null && await TryClaimRowAsync(connection, id, nick, cancel).ConfigureAwait(false))
            {
                return true;
            }

            await Task.Delay(25, cancel).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>A local user finished registering.</summary>
    internal void Registered(Client client)
    {
        string id = IdOf(client);
        var e = NewEvent(ClusterEventTypes.Connect) with
        {
            User = id,
            Nick = client.Nick,
            Ident = client.User,
            Host = client.Host,
            RealName = client.RealName,
            Account = client.Account,
            Away = client.AwayMessage,
            Text = NodeName,
        };
        Enqueue(e, writes => writes.Add(UpsertUser(e, registered: true)));
    }

    private NpgsqlBatchCommand UpsertUser(ClusterEvent e, bool registered) => Sql(
        "INSERT INTO cluster_users (id, node_id, nick_folded, nick, ident, host, realname, account, away, registered) " +
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET nick_folded = EXCLUDED.nick_folded, " +
        "nick = EXCLUDED.nick, ident = EXCLUDED.ident, host = EXCLUDED.host, realname = EXCLUDED.realname, " +
        "account = EXCLUDED.account, away = EXCLUDED.away, registered = EXCLUDED.registered",
        e.User, NodeId, IrcCaseMapping.Fold(e.Nick!), e.Nick, e.Ident, e.Host, e.RealName, e.Account, e.Away, registered);

    /// <summary>Under the gate: a local user left (registered or not); its row goes, and the others announce its QUIT.</summary>
    /// <returns>False when <paramref name="tellPeers"/> must run now (see <see cref="Enqueue"/>).</returns>
    internal bool Quit(Client client, string reason, bool wasRegistered, Action tellPeers)
    {
        if (client.ClusterId is not { } id)
        {
            return false;
        }

        _local.TryRemove(id, out _);
        return Enqueue(NewEvent(wasRegistered ? ClusterEventTypes.Quit : "release") with { User = id, Text = reason },
            writes => writes.Add(Sql("DELETE FROM cluster_users WHERE id = $1", id)), tellPeers);
    }

    /// <summary>Under the gate: a local user joined a room (as operator when it created it).</summary>
    /// <returns>False when <paramref name="tellOthers"/> must run now (see <see cref="Enqueue"/>).</returns>
    internal bool Joined(Client client, Channel channel, MemberStatus status, Action tellOthers)
    {
        string id = IdOf(client);
        string folded = IrcCaseMapping.Fold(channel.Name);
        var roomModes = RoomModes.Of(channel);
        string modes = roomModes.ToJson();
        var e = NewEvent(ClusterEventTypes.Join) with { User = id, Room = channel.Name, Status = (int)status, RoomModes = roomModes };
        if (channel.Topic is { } topic)
        {
            // For a node that does not know the room yet (topic, who set it, when).
            e = e with { Text = topic, TopicSetBy = channel.TopicSetBy, Time = channel.TopicSetAt.ToUnixTimeMilliseconds() };
        }

        return Enqueue(e,
            writes =>
            {
                writes.Add(Sql("INSERT INTO cluster_rooms (name_folded, name, modes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", folded, channel.Name, modes));
                writes.Add(Sql("INSERT INTO cluster_members (room_folded, user_id, status) VALUES ($1, $2, $3) " +
                    "ON CONFLICT (room_folded, user_id) DO UPDATE SET status = EXCLUDED.status", folded, id, (int)status));
            },
            tellOthers);
    }

    /// <summary>Under the gate: a local user left a room.</summary>
    internal bool Parted(Client client, Channel channel, string? reason, Action tellOthers)
    {
        string id = IdOf(client);
        string folded = IrcCaseMapping.Fold(channel.Name);
        return Enqueue(NewEvent(ClusterEventTypes.Part) with { User = id, Room = channel.Name, Text = reason },
            writes => writes.Add(Sql("DELETE FROM cluster_members WHERE room_folded = $1 AND user_id = $2", folded, id)), tellOthers);
    }

    /// <summary>Under the gate: a local operator kicked someone (local or remote) from a room.</summary>
    internal bool Kicked(Client kicker, Channel channel, Client target, string reason, Action tellOthers)
    {
        string targetId = target.IsRemote ? target.ClusterId! : IdOf(target);
        string folded = IrcCaseMapping.Fold(channel.Name);
        return Enqueue(NewEvent(ClusterEventTypes.Kick) with { User = IdOf(kicker), Target = targetId, Room = channel.Name, Text = reason },
            writes => writes.Add(Sql("DELETE FROM cluster_members WHERE room_folded = $1 AND user_id = $2", folded, targetId)), tellOthers);
    }

    /// <summary>A local user's nick changed (the database already holds the new one, see <see cref="ClaimNickFirst"/>).</summary>
    internal bool NickChanged(Client client, Action tellMates)
    {
        string id = IdOf(client);
        string nick = client.Nick!;
        return Enqueue(NewEvent(ClusterEventTypes.Nick) with { User = id, Nick = nick },
            writes => writes.Add(Sql("UPDATE cluster_users SET nick = $2, nick_folded = $3 WHERE id = $1", id, nick, IrcCaseMapping.Fold(nick))), tellMates);
    }

    /// <summary>Under the gate: a local user set a room's topic.</summary>
    internal bool TopicChanged(Client client, Channel channel, Action tellOthers)
    {
        string folded = IrcCaseMapping.Fold(channel.Name);
        string? topic = channel.Topic;
        string? by = channel.TopicSetBy;
        var at = channel.TopicSetAt;
        return Enqueue(NewEvent(ClusterEventTypes.Topic) with { User = IdOf(client), Room = channel.Name, Text = topic ?? "", Time = at.ToUnixTimeMilliseconds() },
            writes => writes.Add(Sql(
                "INSERT INTO cluster_rooms (name_folded, name, topic, topic_by, topic_at) VALUES ($1, $2, $3, $4, $5) " +
                "ON CONFLICT (name_folded) DO UPDATE SET topic = EXCLUDED.topic, topic_by = EXCLUDED.topic_by, topic_at = EXCLUDED.topic_at",
                folded, channel.Name, topic, by, at)),
            tellOthers);
    }

    /// <summary>Under the gate: a local operator changed a room's modes; <paramref name="modeParams"/> is the MODE line's.</summary>
    internal bool ModeChanged(Client client, Channel channel, IReadOnlyList<string> modeParams, Action tellOthers)
    {
        var statuses = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var arg in modeParams.Skip(1))
        {
            if (_server.State.FindNick(arg) is { } member && channel.Contains(member))
            {
                string memberId = member.IsRemote ? member.ClusterId! : IdOf(member);
                statuses[memberId] = (int)channel.StatusOf(member);
            }
        }

        var modes = RoomModes.Of(channel);
        string folded = IrcCaseMapping.Fold(channel.Name);
        return Enqueue(NewEvent(ClusterEventTypes.Mode) with
        {
            User = IdOf(client),
            Room = channel.Name,
            Modes = [.. modeParams],
            RoomModes = modes,
            Statuses = statuses.Count == 0 ? null : statuses,
        },
        writes =>
        {
            writes.Add(Sql("INSERT INTO cluster_rooms (name_folded, name, modes) VALUES ($1, $2, $3) " +
                "ON CONFLICT (name_folded) DO UPDATE SET modes = EXCLUDED.modes", folded, channel.Name, modes.ToJson()));
            foreach (var (memberId, status) in statuses)
            {
                writes.Add(Sql("UPDATE cluster_members SET status = $3 WHERE room_folded = $1 AND user_id = $2", folded, memberId, status));
            }
        },
        tellOthers);
    }

    /// <summary>A local user went away or came back.</summary>
    internal void AwayChanged(Client client)
    {
        string id = IdOf(client);
        string? away = client.AwayMessage;
        Enqueue(NewEvent(ClusterEventTypes.Away) with { User = id, Away = away },
            writes => writes.Add(Sql("UPDATE cluster_users SET away = $2 WHERE id = $1", id, away)));
    }

    /// <summary>
    /// A local user's message to a room: every node delivers it when its
    /// notification arrives, this one too (see the remarks on <see cref="ClusterNode"/>).
    /// False while offline: the caller delivers it locally at once.
    /// </summary>
    internal bool RoomMessage(Client sender, Channel channel, Outgoing line, string command, string? text, Action deliver)
    {
        return Enqueue(MessageEvent(ClusterEventTypes.RoomMessage, sender, line, command, text) with { Room = channel.Name }, null, deliver);
    }

    /// <summary>A local user's private message to a user of another node.</summary>
    internal void DirectMessage(Client sender, Client recipient, Outgoing line, string command, string? text)
    {
        Enqueue(MessageEvent(ClusterEventTypes.DirectMessage, sender, line, command, text) with { Target = recipient.ClusterId });
    }

    /// <summary>A message event: the sender's prefix and account, and the line's msgid, time and client tags.</summary>
    private ClusterEvent MessageEvent(string type, Client sender, Outgoing line, string command, string? text) => NewEvent(type) with
    {
        User = IdOf(sender),
        Nick = sender.Nick,
        Ident = sender.User,
        Host = sender.Host,
        Account = sender.Account,
        Command = command,
        Text = text,
        MsgId = line.MsgId,
        Time = line.Time.ToUnixTimeMilliseconds(),
        Tags = line.ClientTags is null ? null : new Dictionary<string, string>(line.ClientTags, StringComparer.Ordinal),
    };

    /// <summary>A local operator killed a user of another node; that node closes the connection.</summary>
    internal void Killed(Client killer, Client victim, string comment, string reason)
    {
        Enqueue(NewEvent(ClusterEventTypes.Kill) with
        {
            User = IdOf(killer),
            Nick = killer.Nick,
            Ident = killer.User,
            Host = killer.Host,
            Target = victim.ClusterId,
            Text = comment,
            Command = reason,
        });
    }

    /// <summary>Under the gate: a local operator invited a user of another node.</summary>
    internal void Invited(Client inviter, Client target, Channel channel)
    {
        Enqueue(NewEvent(ClusterEventTypes.Invite) with { User = IdOf(inviter), Target = target.ClusterId, Room = channel.Name });
    }
}
