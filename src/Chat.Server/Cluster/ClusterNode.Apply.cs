using Chat.Core.Protocol;
using Npgsql;

namespace Chat.Server.Cluster;

/// <summary>Events from the database, applied to this server's state one at a time, in the order they arrived.</summary>
public sealed partial class ClusterNode
{
    /// <summary>Users of other nodes by cluster id; read and changed under the gate.</summary>
    private readonly Dictionary<string, RemoteUser> _remote = new(StringComparer.Ordinal);

    /// <summary>A user of another node: its stand-in here and the node (id and name) it is on.</summary>
    private sealed record RemoteUser(Client Client, string NodeId);

    private async Task ConsumeLoopAsync()
    {
        await foreach (var item in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_stopping.IsCancellationRequested)
            {
                break;
            }

            try
            {
                switch (item)
                {
                    case string payload:
                        await ReceiveAsync(payload).ConfigureAwait(false);
                        break;
                    case Reload reload:
                        await ReloadAsync(reload.Node).ConfigureAwait(false);
                        if (reload.Node is null)
                        {
                            Interlocked.Increment(ref _syncCount);
                        }

                        break;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
            {
                // The link is failing; its next session reloads everything.
                _log.BadEvent(NodeName, Describe(ex));
            }
            catch (Exception ex)
            {
                _log.Failed(ex, NodeName);
            }
        }
    }

    private async Task ReceiveAsync(string payload)
    {
        var e = ClusterEvent.Parse(payload);
        if (e is null || e.Version != ClusterEvent.CurrentVersion)
        {
            _log.BadEvent(NodeName, e is null ? "not an event: " + Shorten(payload) : $"payload version {e.Version} (this node reads {ClusterEvent.CurrentVersion})");
            return;
        }

        if (e.Ref is { } reference)
        {
            if (e.Node == NodeId && e.Type == "ref" && !IsOwnDeliveryNeeded(e.Seq))
            {
                return;
            }

            await using var connection = await _data.OpenConnectionAsync(_stopping.Token).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT payload FROM cluster_events WHERE id = $1", connection);
            command.Parameters.AddWithValue(reference);
            if (await command.ExecuteScalarAsync(_stopping.Token).ConfigureAwait(false) is not string stored)
            {
                _log.BadEvent(NodeName, $"large event {reference} is no longer stored");
                return;
            }

            e = ClusterEvent.Parse(stored);
            if (e is null || e.Version != ClusterEvent.CurrentVersion)
            {
                _log.BadEvent(NodeName, "not an event: " + Shorten(stored));
                return;
            }
        }

        if (e.Problem() is { } problem)
        {
            _log.BadEvent(NodeName, $"{e.Type} event from {Shorten(e.Node)} has {problem}");
            return;
        }

        Apply(e);
    }

    private bool IsOwnDeliveryNeeded(long seq)
    {
        lock (_pendingLock)
        {
            return _pending.ContainsKey(seq);
        }
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "..." : text;

    private void Apply(ClusterEvent e)
    {
        if (e.Node == NodeId)
        {
            // Our own events were applied when they happened; local users are told now, in NOTIFY order.
            if (TakePending(e.Seq) is { } tell)
            {
                TellLocally(tell);
            }
            else if (e.Type == ClusterEventTypes.NodeLost)
            {
                ApplyNodeLeft(e.Target, $"node {e.Text} lost");
            }

            return;
        }

        switch (e.Type)
        {
            case ClusterEventTypes.Connect:
                ApplyConnect(e);
                break;
            case ClusterEventTypes.Quit:
                lock (_server.State.Gate)
                {
                    RemoveRemote(e.User, e.Text ?? "Quit");
                }

                break;
            case ClusterEventTypes.Join:
                ApplyJoin(e);
                break;
            case ClusterEventTypes.Part:
                ApplyPart(e);
                break;
            case ClusterEventTypes.Kick:
                ApplyKick(e);
                break;
            case ClusterEventTypes.Nick:
                ApplyNick(e);
                break;
            case ClusterEventTypes.Topic:
                ApplyTopic(e);
                break;
            case ClusterEventTypes.Mode:
                ApplyMode(e);
                break;
            case ClusterEventTypes.Away:
                ApplyAway(e);
                break;
            case ClusterEventTypes.RoomMessage:
                DeliverRemoteRoomMessage(e);
                break;
            case ClusterEventTypes.DirectMessage:
                DeliverDirectMessage(e);
                break;
            case ClusterEventTypes.Invite:
                ApplyInvite(e);
                break;
            case ClusterEventTypes.Kill:
                ApplyKill(e);
                break;
            case ClusterEventTypes.Sync:
                _inbox.Writer.TryWrite(new Reload(e.Node));
                break;
            case ClusterEventTypes.NodeGone:
                ApplyNodeLeft(e.Node, $"node {e.Text} shut down");
                break;
            case ClusterEventTypes.NodeLost:
                ApplyNodeLeft(e.Target, $"node {e.Text} lost");
                break;
            case "release":
                break;
            default:
                _log.BadEvent(NodeName, $"unknown event type '{Shorten(e.Type)}' from {e.Node}");
                break;
        }
    }

    private void DeliverRemoteRoomMessage(ClusterEvent e)
    {
        var channel = e.Room is null ? null : _server.State.FindChannel(e.Room);
        if (channel is null || e.Command is null)
        {
            return;
        }

        var sender = SenderOf(e);
        var line = _server.Events.Message(sender, e.Command, channel.Name, e.Text, e.Tags, privately: false, e.MsgId, DateTimeOffset.FromUnixTimeMilliseconds(e.Time));
        foreach (var recipient in channel.Members)
        {
            recipient.Deliver(line);
        }
    }

    private void DeliverDirectMessage(ClusterEvent e)
    {
        if (e.Target is null || !_local.TryGetValue(e.Target, out var recipient) || e.Command is null || recipient.Nick is null)
        {
            return;
        }

        var sender = SenderOf(e);
        var line = _server.Events.Message(sender, e.Command, recipient.Nick, e.Text, e.Tags, privately: true, e.MsgId, DateTimeOffset.FromUnixTimeMilliseconds(e.Time));
        recipient.Deliver(line);
    }

    /// <summary>The remote sender as known here, or a stand-in from the event's fields (it may have left since).</summary>
    private Client SenderOf(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            if (e.User is not null && _remote.TryGetValue(e.User, out var known))
            {
                return known.Client;
            }
        }

        return new Client(_server, e.Node, e.User ?? "")
        {
            Nick = e.Nick ?? "*",
            User = e.Ident ?? "*",
            Host = e.Host ?? "unknown",
            Account = e.Account,
        };
    }

    private void ApplyConnect(ClusterEvent e)
    {
        if (e.User is null || e.Nick is null)
        {
            return;
        }

        lock (_server.State.Gate)
        {
            AddOrUpdateRemote(e.User, e.Node, e.Text ?? e.Node, e.Nick, e.Ident, e.Host, e.RealName, e.Account, e.Away);
        }
    }

    /// <summary>
    /// Under the gate: makes the remote user known with these details, announcing
    /// a nick change to local room mates. Null when its nick is held here by
    /// someone else (only after a split; the holder's node resolves it when it rejoins).
    /// </summary>
    private Client? AddOrUpdateRemote(string id, string nodeId, string nodeName, string nick, string? ident, string? host, string? realName, string? account, string? away)
    {
        var state = _server.State;
        if (_remote.TryGetValue(id, out var known))
        {
            var client = known.Client;
            if (client.Nick != nick)
            {
                RenameRemote(client, nick);
            }

            client.AwayMessage = away;
            return client;
        }

        var remote = new Client(_server, nodeName, id)
        {
            User = ident ?? "*",
            Host = host ?? "unknown",
            RealName = realName ?? "",
            Account = account,
            AwayMessage = away,
            HasUser = true,
        };
        if (!state.TryClaimNick(remote, nick))
        {
            _log.BadEvent(NodeName, $"{nick} from {nodeName} is held here by another user");
            return null;
        }

        _remote[id] = new RemoteUser(remote, nodeId);
        return remote;
    }

    /// <summary>Under the gate: a remote user's new nick, announced to local room mates.</summary>
    private void RenameRemote(Client client, string nick)
    {
        string oldNick = client.Nick!;
        string oldPrefix = client.Prefix;
        if (!_server.State.TryClaimNick(client, nick))
        {
            _log.BadEvent(NodeName, $"{oldNick} on another node became {nick}, held here by someone else");
            return;
        }

        var change = _server.Events.NickChange(client, oldPrefix, oldNick, nick);
        foreach (var mate in _server.State.RoomMates(client))
        {
            mate.Deliver(change);
        }
    }

    /// <summary>Under the gate: a remote user is gone; local room mates see its QUIT.</summary>
    private void RemoveRemote(string? id, string reason)
    {
        if (id is null || !_remote.Remove(id, out var gone))
        {
            return;
        }

        var quit = _server.Events.Quit(gone.Client, reason);
        foreach (var peer in _server.State.Remove(gone.Client))
        {
            peer.Deliver(quit);
        }
    }

    private void ApplyNodeLeft(string? nodeId, string reason)
    {
        lock (_server.State.Gate)
        {
            foreach (var id in _remote.Where(r => r.Value.NodeId == nodeId).Select(r => r.Key).ToList())
            {
                RemoveRemote(id, reason);
            }
        }
    }

    private void ApplyJoin(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            if (e.User is not null && _remote.TryGetValue(e.User, out var who) && e.Room is not null)
            {
                bool known = _server.State.FindChannel(e.Room) is not null;
                JoinRemote(who.Client, e.Room, (MemberStatus)e.Status, announce: true);
                if (!known && _server.State.FindChannel(e.Room) is { } created)
                {
                    // New here: it has the modes and topic it has on the joiner's node.
                    e.RoomModes?.ApplyTo(created);
                    if (e.Text is { Length: > 0 } topic)
                    {
                        created.Topic = topic;
                        created.TopicSetBy = e.TopicSetBy;
                        created.TopicSetAt = DateTimeOffset.FromUnixTimeMilliseconds(e.Time);
                    }
                }
            }
        }
    }

    /// <summary>Under the gate: puts a remote user in a room (or sets its status there), telling local members.</summary>
    private void JoinRemote(Client who, string room, MemberStatus status, bool announce)
    {
        if (!IrcValidation.IsValidChannel(room))
        {
            return;
        }

        var channel = _server.State.GetOrCreateChannel(room, out _);
        if (channel.Contains(who))
        {
            channel.SetStatus(who, MemberStatus.Operator, status.HasFlag(MemberStatus.Operator));
            channel.SetStatus(who, MemberStatus.Voice, status.HasFlag(MemberStatus.Voice));
            return;
        }

        channel.Add(who, status & (MemberStatus.Operator | MemberStatus.Voice));
        who.Channels.Add(channel);
        if (!announce)
        {
            return;
        }

        var join = _server.Events.Join(who, channel);
        foreach (var member in channel.Members)
        {
            member.Deliver(join);
        }

        if (who.AwayMessage is { } away)
        {
            var awayLine = _server.Events.CapOnly(who, Cap.AwayNotify, IrcCommands.Away, away);
            foreach (var member in channel.Members)
            {
                member.Deliver(awayLine);
            }
        }
    }

    private void ApplyPart(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            if (e.User is not null && _remote.TryGetValue(e.User, out var who) && e.Room is not null)
            {
                PartRemote(who.Client, e.Room, e.Text);
            }
        }
    }

    /// <summary>Under the gate: takes a remote user out of a room, telling local members.</summary>
    private void PartRemote(Client who, string room, string? reason)
    {
        var channel = _server.State.FindChannel(room);
        if (channel is null || !channel.Contains(who))
        {
            return;
        }

        LeaveRoom(channel, who, _server.Events.Part(who, channel, reason));
    }

    /// <summary>Under the gate: tells the room's members (the leaver too) and takes the leaver out.</summary>
    private void LeaveRoom(Channel channel, Client leaver, Outgoing line)
    {
        foreach (var member in channel.Members)
        {
            member.Deliver(line);
        }

        channel.Remove(leaver);
        leaver.Channels.Remove(channel);
        _server.State.DropIfEmpty(channel);
    }

    private void ApplyKick(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            var channel = e.Room is null ? null : _server.State.FindChannel(e.Room);
            if (channel is null || e.User is null || !_remote.TryGetValue(e.User, out var kicker) || e.Target is null)
            {
                return;
            }

            Client? target = _remote.TryGetValue(e.Target, out var remote) ? remote.Client : _local.GetValueOrDefault(e.Target);
            if (target is null || !channel.Contains(target))
            {
                return;
            }

            LeaveRoom(channel, target, _server.Events.Kick(kicker.Client, channel, target, e.Text ?? kicker.Client.Nick!));
        }
    }

    private void ApplyNick(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            if (e.User is not null && e.Nick is not null && _remote.TryGetValue(e.User, out var who) && who.Client.Nick != e.Nick)
            {
                RenameRemote(who.Client, e.Nick);
            }
        }
    }

    private void ApplyTopic(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            var channel = e.Room is null ? null : _server.State.FindChannel(e.Room);
            if (channel is null || e.User is null || !_remote.TryGetValue(e.User, out var who))
            {
                return;
            }

            string topic = e.Text ?? "";
            channel.Topic = topic.Length == 0 ? null : topic;
            channel.TopicSetBy = who.Client.Prefix;
            channel.TopicSetAt = DateTimeOffset.FromUnixTimeMilliseconds(e.Time);
            var line = _server.Events.Topic(who.Client, channel, topic);
            foreach (var member in channel.Members)
            {
                member.Deliver(line);
            }
        }
    }

    private void ApplyMode(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            var channel = e.Room is null ? null : _server.State.FindChannel(e.Room);
            if (channel is null || e.User is null || !_remote.TryGetValue(e.User, out var who) || e.Modes is not { Length: > 0 } modes)
            {
                return;
            }

            e.RoomModes?.ApplyTo(channel);
            foreach (var (id, status) in e.Statuses ?? [])
            {
                Client? member = _remote.TryGetValue(id, out var remote) ? remote.Client : _local.GetValueOrDefault(id);
                if (member is not null)
                {
                    channel.SetStatus(member, MemberStatus.Operator, ((MemberStatus)status).HasFlag(MemberStatus.Operator));
                    channel.SetStatus(member, MemberStatus.Voice, ((MemberStatus)status).HasFlag(MemberStatus.Voice));
                }
            }

            var line = _server.Events.Mode(who.Client, channel, modes);
            foreach (var member in channel.Members)
            {
                member.Deliver(line);
            }
        }
    }

    private void ApplyAway(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            if (e.User is null || !_remote.TryGetValue(e.User, out var who))
            {
                return;
            }

            who.Client.AwayMessage = string.IsNullOrEmpty(e.Away) ? null : e.Away;
            var line = who.Client.AwayMessage is { } away
                ? _server.Events.CapOnly(who.Client, Cap.AwayNotify, IrcCommands.Away, away)
                : _server.Events.CapOnly(who.Client, Cap.AwayNotify, IrcCommands.Away);
            foreach (var mate in _server.State.RoomMates(who.Client))
            {
                mate.Deliver(line);
            }
        }
    }

    private void ApplyKill(ClusterEvent e)
    {
        if (e.Target is null || !_local.TryGetValue(e.Target, out var victim) || victim.Nick is null)
        {
            return;
        }

        var killer = SenderOf(e);
        string reason = e.Command ?? $"Killed ({killer.Nick})";
        if (!victim.IsPlain)
        {
            victim.Send(new IrcMessage(null, killer.Prefix, IrcCommands.Kill, [victim.Nick, e.Text ?? ""]));
        }

        // Its QUIT goes to every node when the connection is gone, as for a local KILL.
        victim.Close(reason, $"Closing Link: {_server.Name} ({reason})");
    }

    private void ApplyInvite(ClusterEvent e)
    {
        lock (_server.State.Gate)
        {
            var channel = e.Room is null ? null : _server.State.FindChannel(e.Room);
            if (channel is null || e.User is null || !_remote.TryGetValue(e.User, out var inviter)
                || e.Target is null || !_local.TryGetValue(e.Target, out var target))
            {
                return;
            }

            _server.State.AddInvite(target, channel);
            target.Deliver(_server.Events.Invite(inviter.Client, target, channel));
        }
    }
}
