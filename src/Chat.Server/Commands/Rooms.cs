using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>
/// JOIN, PART, NAMES and TOPIC, and nick changes seen by room mates. Modes
/// live in <see cref="ChannelModes"/>, KICK and INVITE in <see cref="Moderation"/>,
/// LIST in <see cref="Listing"/>, WHO in <see cref="Users"/>.
/// </summary>
public sealed class Rooms
{
    /// <summary>CHANLIMIT: rooms one client may be in at once.</summary>
    public const int MaxChannelsPerClient = 50;

    /// <summary>TOPICLEN.</summary>
    public const int MaxTopicLength = 390;

    private readonly ChatServer _server;

    public Rooms(ChatServer server)
    {
        _server = server;
    }

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Join, 1, false, JoinCommand);
        table.Add(IrcCommands.Part, 1, false, PartCommand);
        table.Add(IrcCommands.Names, 0, false, NamesCommand);
        table.Add(IrcCommands.Topic, 1, false, TopicCommand);
    }

    /// <summary>
    /// Puts the client in the room, announces it to everyone there and sends the
    /// topic and names. An existing room's bans (+b), invite-only flag (+i), key
    /// (+k) and limit (+l) are checked first; an invitation lets one JOIN past +i
    /// and is used up by it. A name that is not a valid channel answers
    /// ERR_NOSUCHCHANNEL: Modern IRC lists it for JOIN and deprecates ERR_BADCHANMASK.
    /// </summary>
    public void Join(Client client, string name, string? key = null)
    {
        if (!IrcValidation.IsValidChannel(name))
        {
            client.SendNumeric(Numerics.ERR_NOSUCHCHANNEL, name, "No such channel");
            return;
        }

        if (!_server.Accounts.MayJoin(client, name))
        {
            return;
        }

        bool joined = false;
        var state = _server.State;
        lock (state.Gate)
        {
            var existing = state.FindChannel(name);
            if (existing is not null && existing.Contains(client))
            {
                return;
            }

            if (client.Channels.Count >= MaxChannelsPerClient)
            {
                client.SendNumeric(Numerics.ERR_TOOMANYCHANNELS, name, "You have joined too many channels");
                return;
            }

            if (existing is not null && RefusedEntry(client, existing, key) is { } refusal)
            {
                client.SendNumeric(refusal.Numeric, existing.Name, refusal.Text);
                return;
            }

            var channel = state.GetOrCreateChannel(name, out bool created);
            channel.Add(client, created ? MemberStatus.Operator : MemberStatus.None);
            client.Channels.Add(channel);
            state.RemoveInvite(client, channel);
            var join = _server.Events.Join(client, channel);
            if (!client.IsPlain)
            {
                // A plain user has just been welcomed; ">>> me joined" would only repeat it.
                client.Deliver(join);
            }

            var others = channel.Members.Where(m => m != client).ToArray();
            var awayLine = client.AwayMessage is { } away ? _server.Events.CapOnly(client, Cap.AwayNotify, IrcCommands.Away, away) : null;
            void TellOthers()
            {
                foreach (var member in others)
                {
                    member.Deliver(join);

                    // away-notify: room mates who asked learn at once that the newcomer is away.
                    if (awayLine is not null)
                    {
                        member.Deliver(awayLine);
                    }
                }
            }

            // Cluster hook: the others here are told in the order the database gives every node (see ClusterNode).
            if (_server.Cluster?.Joined(client, channel, created ? MemberStatus.Operator : MemberStatus.None, TellOthers) != true)
            {
                TellOthers();
            }

            if (!client.IsPlain)
            {
                if (channel.Topic is not null)
                {
                    SendTopic(client, channel);
                }

                SendNames(client, channel);
            }

            joined = true;
        }

        if (joined)
        {
            _server.History.ReplayOnJoin(client, name);
        }
    }

    /// <summary>Under the gate: why the client may not join an existing room, or null when it may.</summary>
    private (string Numeric, string Text)? RefusedEntry(Client client, Channel channel, string? key)
    {
        if (channel.IsBanned(client))
        {
            return (Numerics.ERR_BANNEDFROMCHAN, "Cannot join channel (+b)");
        }

        if (channel.InviteOnly && !_server.State.IsInvited(client, channel))
        {
            return (Numerics.ERR_INVITEONLYCHAN, "Cannot join channel (+i)");
        }

        if (channel.Key is not null && key != channel.Key)
        {
            return (Numerics.ERR_BADCHANNELKEY, "Cannot join channel (+k)");
        }

        // An invitation lets its holder past a full room, as the operator who
        // invited them meant (irctest's testLimitWithInvite, Ergo, InspIRCd).
        if (channel.Limit is { } limit && channel.Count >= limit && !_server.State.IsInvited(client, channel))
        {
            return (Numerics.ERR_CHANNELISFULL, "Cannot join channel (+l)");
        }

        return null;
    }

    public void Part(Client client, string name, string? reason)
    {
        var state = _server.State;
        lock (state.Gate)
        {
            var channel = state.FindChannel(name);
            if (channel is null)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHCHANNEL, name, "No such channel");
                return;
            }

            if (!channel.Contains(client))
            {
                client.SendNumeric(Numerics.ERR_NOTONCHANNEL, channel.Name, "You're not on that channel");
                return;
            }

            var part = _server.Events.Part(client, channel, reason);
            client.Deliver(part);
            var others = channel.Members.Where(m => m != client).ToArray();
            void TellOthers()
            {
                foreach (var member in others)
                {
                    member.Deliver(part);
                }
            }

            // Cluster hook: the others here are told in the order the database gives every node (see ClusterNode).
            if (_server.Cluster?.Parted(client, channel, reason, TellOthers) != true)
            {
                TellOthers();
            }

            channel.Remove(client);
            client.Channels.Remove(channel);
            state.DropIfEmpty(channel);
        }
    }

    /// <summary>Changes a registered client's nick and tells it and everyone who shares a room with it.</summary>
    public void ChangeNick(Client client, string nick)
    {
        var state = _server.State;
        lock (state.Gate)
        {
            string oldNick = client.Nick!;
            string oldPrefix = client.Prefix;
            if (!state.TryClaimNick(client, nick))
            {
                client.SendNumeric(Numerics.ERR_NICKNAMEINUSE, nick, "Nickname is already in use");
                return;
            }

            var change = _server.Events.NickChange(client, oldPrefix, oldNick, nick);
            client.Deliver(change);
            var mates = state.RoomMates(client);
            void TellMates()
            {
                foreach (var mate in mates)
                {
                    mate.Deliver(change);
                }
            }

            // Cluster hook: room mates here are told in the order the database gives every node (see ClusterNode).
            if (_server.Cluster?.NickChanged(client, TellMates) != true)
            {
                TellMates();
            }
        }
    }

    private void JoinCommand(Client client, IrcMessage message)
    {
        if (message.Parameters[0] == "0")
        {
            // "JOIN 0" leaves every room.
            string[] joined;
            lock (_server.State.Gate)
            {
                joined = client.Channels.Select(c => c.Name).ToArray();
            }

            foreach (var name in joined)
            {
                Part(client, name, null);
            }

            return;
        }

        // "JOIN #a,#b key1,key2": the n-th key goes with the n-th room.
        string[] names = message.Parameters[0].Split(',');
        string[] keys = message.Param(1)?.Split(',') ?? [];
        for (int i = 0; i < names.Length; i++)
        {
            if (names[i].Length > 0)
            {
                Join(client, names[i], i < keys.Length && keys[i].Length > 0 ? keys[i] : null);
            }
        }
    }

    private void PartCommand(Client client, IrcMessage message)
    {
        foreach (var name in message.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            Part(client, name, message.Param(1));
        }
    }

    private void NamesCommand(Client client, IrcMessage message)
    {
        if (message.Parameters.Count == 0)
        {
            client.SendNumeric(Numerics.RPL_ENDOFNAMES, "*", "End of /NAMES list");
            return;
        }

        foreach (var name in message.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            lock (_server.State.Gate)
            {
                var channel = _server.State.FindChannel(name);
                if (channel is null || !CanSee(client, channel))
                {
                    client.SendNumeric(Numerics.RPL_ENDOFNAMES, name, "End of /NAMES list");
                }
                else
                {
                    SendNames(client, channel);
                }
            }
        }
    }

    /// <summary>Under the gate: whether the client may see who is in the room (+s hides it from outsiders).</summary>
    public static bool CanSee(Client client, Channel channel) => !channel.Secret || channel.Contains(client);

    /// <summary>RPL_NAMREPLY lines (as many as fit in 512 bytes each), then RPL_ENDOFNAMES.</summary>
    /// <remarks>The symbol is "@" for a secret room and "=" for a public one (RFC 2812, Modern IRC).</remarks>
    private void SendNames(Client client, Channel channel)
    {
        string symbol = channel.Secret ? "@" : "=";
        // ":server 353 nick = #chan :" leaves this much of a line for names.
        int room = IrcLimits.MaxBody - _server.Name.Length - client.NickOrStar.Length - channel.Name.Length - 12;
        var line = new System.Text.StringBuilder();
        foreach (var member in channel.Members)
        {
            // multi-prefix shows every prefix, userhost-in-names the whole prefix.
            string entry = channel.PrefixFor(member, client)
                + (client.Has(Cap.UserhostInNames) ? member.Prefix : member.Nick);
            if (line.Length > 0 && line.Length + 1 + entry.Length > room)
            {
                client.SendNumeric(Numerics.RPL_NAMREPLY, symbol, channel.Name, line.ToString());
                line.Clear();
            }

            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append(entry);
        }

        if (line.Length > 0)
        {
            client.SendNumeric(Numerics.RPL_NAMREPLY, symbol, channel.Name, line.ToString());
        }

        client.SendNumeric(Numerics.RPL_ENDOFNAMES, channel.Name, "End of /NAMES list");
    }

    private void SendTopic(Client client, Channel channel)
    {
        client.SendNumeric(Numerics.RPL_TOPIC, channel.Name, channel.Topic!);
        client.SendNumeric(Numerics.RPL_TOPICWHOTIME, channel.Name, channel.TopicSetBy ?? _server.Name,
            channel.TopicSetAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private void TopicCommand(Client client, IrcMessage message)
    {
        var state = _server.State;
        lock (state.Gate)
        {
            var channel = state.FindChannel(message.Parameters[0]);
            if (channel is null)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHCHANNEL, message.Parameters[0], "No such channel");
                return;
            }

            if (message.Parameters.Count == 1)
            {
                if (!CanSee(client, channel))
                {
                    client.SendNumeric(Numerics.ERR_NOTONCHANNEL, channel.Name, "You're not on that channel");
                }
                else if (channel.Topic is null)
                {
                    client.SendNumeric(Numerics.RPL_NOTOPIC, channel.Name, "No topic is set");
                }
                else
                {
                    SendTopic(client, channel);
                }

                return;
            }

            if (!channel.Contains(client))
            {
                client.SendNumeric(Numerics.ERR_NOTONCHANNEL, channel.Name, "You're not on that channel");
                return;
            }

            if (channel.TopicLocked && !channel.IsOperator(client))
            {
                client.SendNumeric(Numerics.ERR_CHANOPRIVSNEEDED, channel.Name, "You're not channel operator");
                return;
            }

            string topic = message.Parameters[1];
            if (topic.Length > MaxTopicLength)
            {
                topic = topic[..MaxTopicLength];
            }

            channel.Topic = topic.Length == 0 ? null : topic;
            channel.TopicSetBy = client.Prefix;
            channel.TopicSetAt = DateTimeOffset.UtcNow;
            var line = _server.Events.Topic(client, channel, topic);
            client.Deliver(line);
            var others = channel.Members.Where(m => m != client).ToArray();
            void TellOthers()
            {
                foreach (var member in others)
                {
                    member.Deliver(line);
                }
            }

            // Cluster hook: the others here are told in the order the database gives every node (see ClusterNode).
            if (_server.Cluster?.TopicChanged(client, channel, TellOthers) != true)
            {
                TellOthers();
            }
        }
    }
}
