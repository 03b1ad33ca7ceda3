using Chat.Core.Protocol;
using Npgsql;

namespace Chat.Server.Cluster;

/// <summary>
/// The whole picture at once: this node's presence written when it (re)joins,
/// and the others' read and compared with what this node believed, the
/// differences announced to local users as JOIN, PART, NICK and QUIT lines.
/// </summary>
public sealed partial class ClusterNode
{
    /// <summary>A local user as published when the node (re)joins.</summary>
    private sealed record LocalUser(Client Client, string Id, string Nick, string Ident, string Host, string RealName, string? Account, string? Away, bool Registered,
        List<(string Name, MemberStatus Status, string Modes, string? Topic, string? TopicBy, DateTimeOffset TopicAt)> Rooms);

    /// <summary>
    /// Writes this node's row and every local user and membership afresh. A nick
    /// another node took while this one was away stays theirs: the local user is
    /// renamed and told why.
    /// </summary>
    private async Task RepublishAsync(CancellationToken cancel)
    {
        var users = new List<LocalUser>();
        lock (_server.State.Gate)
        {
            foreach (var client in _server.State.ClientsSnapshot())
            {
                if (client.Nick is null)
                {
                    continue;
                }

                var rooms = client.Channels.Select(c => (c.Name, c.StatusOf(client), RoomModes.Of(c).ToJson(), c.Topic, c.TopicSetBy, c.TopicSetAt)).ToList();
                users.Add(new LocalUser(client, IdOf(client), client.Nick, client.User, client.Host, client.RealName, client.Account, client.AwayMessage, client.IsRegistered, rooms));
            }
        }

        // One transaction: the others never see this node's users half gone.
        await using var connection = await _data.OpenConnectionAsync(cancel).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancel).ConfigureAwait(false);
        var predecessors = new List<string>();
        if (!_predecessorsReplaced)
        {
            // A node of the same name still listed when this process first joins is
            // this node before a crash or kill -9: its users are gone now, so they
            // quit and free their nicks at once instead of after the node timeout.
            await using var replace = new NpgsqlCommand("DELETE FROM cluster_nodes WHERE name = $1 AND id <> $2 RETURNING id", connection);
            replace.Parameters.AddWithValue(NodeName);
            replace.Parameters.AddWithValue(NodeId);
            await using var rows = await replace.ExecuteReaderAsync(cancel).ConfigureAwait(false);
            while (await rows.ReadAsync(cancel).ConfigureAwait(false))
            {
                predecessors.Add(rows.GetString(0));
            }
        }

        await using (var node = new NpgsqlBatch(connection))
        {
            node.BatchCommands.Add(Sql("INSERT INTO cluster_nodes (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET heartbeat = now()", NodeId, NodeName));
            node.BatchCommands.Add(Sql("DELETE FROM cluster_users WHERE node_id = $1", NodeId));
            await node.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
        }

        foreach (var user in users)
        {
            string nick = user.Nick;
            for (int attempt = 0; ; attempt++)
            {
                await using var insert = new NpgsqlCommand(
                    "INSERT INTO cluster_users (id, node_id, nick_folded, nick, ident, host, realname, account, away, registered) " +
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING", connection);
                foreach (var value in new object?[] { user.Id, NodeId, IrcCaseMapping.Fold(nick), nick, user.Ident, user.Host, user.RealName, user.Account, user.Away, user.Registered })
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
                }

                if (await insert.ExecuteNonQueryAsync(cancel).ConfigureAwait(false) == 1)
                {
                    break;
                }

                if (attempt >= 20)
                {
                    throw new NpgsqlException($"No free nick found for {user.Nick}");
                }

                nick = CollisionNick(user.Nick);
            }

            if (nick != user.Nick && !RenameLocal(user.Client, user.Nick, nick))
            {
                // The user left or changed nick meanwhile; the next change publishes it.
                continue;
            }

            await using var memberships = new NpgsqlBatch(connection);
            foreach (var room in user.Rooms)
            {
                string folded = IrcCaseMapping.Fold(room.Name);
                memberships.BatchCommands.Add(Sql(
                    "INSERT INTO cluster_rooms (name_folded, name, modes, topic, topic_by, topic_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                    folded, room.Name, room.Modes, room.Topic, room.TopicBy, room.Topic is null ? null : room.TopicAt));
                memberships.BatchCommands.Add(Sql(
                    "INSERT INTO cluster_members (room_folded, user_id, status) VALUES ($1, $2, $3) ON CONFLICT (room_folded, user_id) DO UPDATE SET status = EXCLUDED.status",
                    folded, user.Id, (int)room.Status));
            }

            if (memberships.BatchCommands.Count > 0)
            {
                await memberships.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancel).ConfigureAwait(false);
        _predecessorsReplaced = true;
        foreach (string id in predecessors)
        {
            _log.PredecessorReplaced(NodeName, id);
            Enqueue(NewEvent(ClusterEventTypes.NodeLost) with { Target = id, Text = NodeName });
        }
    }

    /// <summary>Whether this process has already taken over from an earlier node of its name (only its first join does).</summary>
    private bool _predecessorsReplaced;

    /// <summary>A nick for a local user whose own was taken meanwhile: the nick with four digits, within NICKLEN.</summary>
    private static string CollisionNick(string nick)
    {
        string digits = Random.Shared.Next(1000, 10000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string stem = nick.Length + digits.Length > IrcValidation.MaxNickLength ? nick[..(IrcValidation.MaxNickLength - digits.Length)] : nick;
        return stem + digits;
    }

    /// <summary>Renames a local user whose nick another node won, telling it and its local room mates.</summary>
    private bool RenameLocal(Client client, string oldNick, string newNick)
    {
        lock (_server.State.Gate)
        {
            if (client.Nick != oldNick || !_server.State.TryClaimNick(client, newNick))
            {
                return false;
            }

            string oldPrefix = $"{oldNick}!{client.User}@{client.Host}";
            var change = _server.Events.NickChange(client, oldPrefix, oldNick, newNick);
            client.Deliver(change);
            foreach (var mate in _server.State.RoomMates(client))
            {
                mate.Deliver(change);
            }

            client.SendServerNotice($"{oldNick} was taken on another server while this one was cut off; you are now {newNick}");
        }

        _log.NickCollision(NodeName, oldNick, newNick);
        return true;
    }

    /// <summary>
    /// Reads the presence of other nodes (all of them, or one) and makes this
    /// server's picture match it, announcing each difference to local users.
    /// </summary>
    private async Task ReloadAsync(string? onlyNode)
    {
        var cancel = _stopping.Token;
        var nodes = new Dictionary<string, string>(StringComparer.Ordinal);
        var users = new List<(string Id, string Node, string Nick, string Ident, string Host, string RealName, string? Account, string? Away)>();
        var members = new List<(string Room, string User, int Status)>();
        var rooms = new Dictionary<string, (string Name, string? Topic, string? TopicBy, DateTimeOffset? TopicAt, string? Modes)>(StringComparer.Ordinal);
        await using (var connection = await _data.OpenConnectionAsync(cancel).ConfigureAwait(false))
        await using (var batch = new NpgsqlBatch(connection))
        {
            string scope = onlyNode is null ? "u.node_id <> $1" : "u.node_id = $1";
            batch.BatchCommands.Add(Sql("SELECT id, name FROM cluster_nodes"));
            batch.BatchCommands.Add(Sql($"SELECT u.id, u.node_id, u.nick, u.ident, u.host, u.realname, u.account, u.away FROM cluster_users u WHERE u.registered AND {scope}", onlyNode ?? NodeId));
            batch.BatchCommands.Add(Sql($"SELECT m.room_folded, m.user_id, m.status, r.name FROM cluster_members m JOIN cluster_users u ON u.id = m.user_id " +
                $"LEFT JOIN cluster_rooms r ON r.name_folded = m.room_folded WHERE u.registered AND {scope}", onlyNode ?? NodeId));
            batch.BatchCommands.Add(Sql("SELECT name_folded, name, topic, topic_by, topic_at, modes FROM cluster_rooms"));
            await using var rows = await batch.ExecuteReaderAsync(cancel).ConfigureAwait(false);
            while (await rows.ReadAsync(cancel).ConfigureAwait(false))
            {
                nodes[rows.GetString(0)] = rows.GetString(1);
            }

            await rows.NextResultAsync(cancel).ConfigureAwait(false);
            while (await rows.ReadAsync(cancel).ConfigureAwait(false))
            {
                users.Add((rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetString(3), rows.GetString(4), rows.GetString(5),
                    rows.IsDBNull(6) ? null : rows.GetString(6), rows.IsDBNull(7) ? null : rows.GetString(7)));
            }

            await rows.NextResultAsync(cancel).ConfigureAwait(false);
            while (await rows.ReadAsync(cancel).ConfigureAwait(false))
            {
                members.Add((rows.IsDBNull(3) ? rows.GetString(0) : rows.GetString(3), rows.GetString(1), rows.GetInt32(2)));
            }

            await rows.NextResultAsync(cancel).ConfigureAwait(false);
            while (await rows.ReadAsync(cancel).ConfigureAwait(false))
            {
                rooms[rows.GetString(0)] = (rows.GetString(1), rows.IsDBNull(2) ? null : rows.GetString(2), rows.IsDBNull(3) ? null : rows.GetString(3),
                    rows.IsDBNull(4) ? null : rows.GetFieldValue<DateTimeOffset>(4), rows.IsDBNull(5) ? null : rows.GetString(5));
            }
        }

        lock (_server.State.Gate)
        {
            var present = users.Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var (id, remote) in _remote.Where(r => onlyNode is null || r.Value.NodeId == onlyNode).ToList())
            {
                if (!present.Contains(id))
                {
                    RemoveRemote(id, nodes.ContainsKey(remote.NodeId) ? "Connection lost" : $"node {remote.Client.RemoteNode} lost");
                }
            }

            var touched = new HashSet<Channel>();
            foreach (var user in users)
            {
                var client = AddOrUpdateRemote(user.Id, user.Node, nodes.GetValueOrDefault(user.Node, user.Node), user.Nick, user.Ident, user.Host, user.RealName, user.Account, user.Away);
                if (client is null)
                {
                    continue;
                }

                var wanted = members.Where(m => m.User == user.Id).ToDictionary(m => m.Room, m => (MemberStatus)m.Status, IrcCaseMapping.Comparer);
                foreach (var channel in client.Channels.ToList())
                {
                    if (!wanted.ContainsKey(channel.Name))
                    {
                        PartRemote(client, channel.Name, null);
                    }
                }

                foreach (var (room, status) in wanted)
                {
                    JoinRemote(client, room, status, announce: true);
                    if (_server.State.FindChannel(room) is { } channel)
                    {
                        touched.Add(channel);
                    }
                }
            }

            foreach (var channel in touched)
            {
                if (rooms.TryGetValue(IrcCaseMapping.Fold(channel.Name), out var room))
                {
                    RoomModes.Parse(room.Modes)?.ApplyTo(channel);
                    if (room.Topic is not null && room.Topic != channel.Topic)
                    {
                        channel.Topic = room.Topic;
                        channel.TopicSetBy = room.TopicBy;
                        channel.TopicSetAt = room.TopicAt ?? DateTimeOffset.UtcNow;
                    }
                }
            }
        }
    }
}
