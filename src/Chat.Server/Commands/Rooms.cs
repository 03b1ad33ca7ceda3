using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>JOIN, PART, NAMES, TOPIC, MODE and WHO, and nick changes seen by room mates.</summary>
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
        table.Add(IrcCommands.Mode, 1, false, ModeCommand);
        table.Add(IrcCommands.Who, 0, false, WhoCommand);
    }

    /// <summary>Puts the client in the room, announces it to everyone there and sends the topic and names.</summary>
    public void Join(Client client, string name)
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
                client.SendNumeric("405", name, "You have joined too many channels");
                return;
            }

            var channel = state.GetOrCreateChannel(name, out bool created);
            channel.Add(client, op: created);
            client.Channels.Add(channel);
            var join = _server.Events.Join(client, channel);
            foreach (var member in channel.Members)
            {
                // A plain user has just been welcomed; ">>> me joined" would only repeat it.
                if (member != client || !client.IsPlain)
                {
                    member.Deliver(join);
                }
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
            foreach (var member in channel.Members)
            {
                member.Deliver(part);
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
            var told = new HashSet<Client> { client };
            client.Deliver(change);
            foreach (var channel in client.Channels)
            {
                foreach (var member in channel.Members)
                {
                    if (told.Add(member))
                    {
                        member.Deliver(change);
                    }
                }
            }
        }
    }

    private void JoinCommand(Client client, IrcMessage message)
    {
        if (message.Parameters[0] == "0")
        {
            // "JOIN 0" leaves every room.
            string[] names;
            lock (_server.State.Gate)
            {
                names = client.Channels.Select(c => c.Name).ToArray();
            }

            foreach (var name in names)
            {
                Part(client, name, null);
            }

            return;
        }

        foreach (var name in message.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            Join(client, name);
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
                if (channel is null)
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

    /// <summary>RPL_NAMREPLY lines (as many as fit in 512 bytes each), then RPL_ENDOFNAMES.</summary>
    private void SendNames(Client client, Channel channel)
    {
        // ":server 353 nick = #chan :" leaves this much of a line for names.
        int room = IrcLimits.MaxBody - _server.Name.Length - client.NickOrStar.Length - channel.Name.Length - 12;
        var line = new System.Text.StringBuilder();
        foreach (var member in channel.Members)
        {
            string entry = channel.NameWithPrefix(member);
            if (line.Length > 0 && line.Length + 1 + entry.Length > room)
            {
                client.SendNumeric(Numerics.RPL_NAMREPLY, "=", channel.Name, line.ToString());
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
            client.SendNumeric(Numerics.RPL_NAMREPLY, "=", channel.Name, line.ToString());
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
                if (channel.Topic is null)
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
            foreach (var member in channel.Members)
            {
                member.Deliver(line);
            }
        }
    }

    private void ModeCommand(Client client, IrcMessage message)
    {
        string target = message.Parameters[0];
        if (!IrcValidation.IsChannel(target))
        {
            UserMode(client, message);
            return;
        }

        var state = _server.State;
        lock (state.Gate)
        {
            var channel = state.FindChannel(target);
            if (channel is null)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHCHANNEL, target, "No such channel");
                return;
            }

            if (message.Parameters.Count == 1)
            {
                client.SendNumeric(Numerics.RPL_CHANNELMODEIS, channel.Name, channel.ModeString);
                client.SendNumeric(Numerics.RPL_CREATIONTIME, channel.Name,
                    channel.Created.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                return;
            }

            ChangeChannelModes(client, channel, message);
        }
    }

    /// <summary>Under the gate: applies +/-n, +/-t and +/-o and announces what changed.</summary>
    private void ChangeChannelModes(Client client, Channel channel, IrcMessage message)
    {
        if (!channel.IsOperator(client))
        {
            client.SendNumeric(Numerics.ERR_CHANOPRIVSNEEDED, channel.Name, "You're not channel operator");
            return;
        }

        bool adding = true;
        int argIndex = 2;
        var applied = new System.Text.StringBuilder();
        var appliedArgs = new List<string>();
        char appliedSign = ' ';
        foreach (char c in message.Parameters[1])
        {
            switch (c)
            {
                case '+':
                    adding = true;
                    continue;
                case '-':
                    adding = false;
                    continue;
                case 'n':
                    channel.NoExternalMessages = adding;
                    break;
                case 't':
                    channel.TopicLocked = adding;
                    break;
                case 'o':
                    string? nick = message.Param(argIndex++);
                    if (nick is null)
                    {
                        continue;
                    }

                    var who = _server.State.FindNick(nick);
                    if (who is null)
                    {
                        client.SendNumeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
                        continue;
                    }

                    if (!channel.Contains(who))
                    {
                        client.SendNumeric("441", who.Nick!, channel.Name, "They aren't on that channel");
                        continue;
                    }

                    channel.SetOperator(who, adding);
                    appliedArgs.Add(who.Nick!);
                    break;
                default:
                    client.SendNumeric(Numerics.ERR_UNKNOWNMODE, c.ToString(), "is unknown mode char to me");
                    continue;
            }

            char sign = adding ? '+' : '-';
            if (sign != appliedSign)
            {
                applied.Append(sign);
                appliedSign = sign;
            }

            applied.Append(c);
        }

        if (applied.Length == 0)
        {
            return;
        }

        var modeParams = new List<string> { applied.ToString() };
        modeParams.AddRange(appliedArgs);
        var line = _server.Events.Mode(client, channel, modeParams);
        foreach (var member in channel.Members)
        {
            member.Deliver(line);
        }
    }

    private void UserMode(Client client, IrcMessage message)
    {
        string target = message.Parameters[0];
        var who = _server.State.FindNick(target);
        if (who is null)
        {
            client.SendNumeric(Numerics.ERR_NOSUCHNICK, target, "No such nick/channel");
            return;
        }

        if (who != client)
        {
            client.SendNumeric(Numerics.ERR_USERSDONTMATCH, "Can't change mode for other users");
            return;
        }

        if (message.Parameters.Count == 1)
        {
            client.SendNumeric(Numerics.RPL_UMODEIS, client.Invisible ? "+i" : "+");
            return;
        }

        bool adding = true;
        string changed = "";
        foreach (char c in message.Parameters[1])
        {
            switch (c)
            {
                case '+':
                    adding = true;
                    break;
                case '-':
                    adding = false;
                    break;
                case 'i':
                    if (client.Invisible != adding)
                    {
                        client.Invisible = adding;
                        changed += (adding ? "+" : "-") + "i";
                    }

                    break;
                default:
                    client.SendNumeric(Numerics.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag");
                    break;
            }
        }

        if (changed.Length > 0)
        {
            client.Send(new IrcMessage(null, client.Prefix, IrcCommands.Mode, [client.Nick!, changed]));
        }
    }

    private void WhoCommand(Client client, IrcMessage message)
    {
        string mask = message.Param(0) ?? "*";
        lock (_server.State.Gate)
        {
            if (IrcValidation.IsChannel(mask))
            {
                var channel = _server.State.FindChannel(mask);
                if (channel is not null)
                {
                    foreach (var member in channel.Members)
                    {
                        SendWhoReply(client, channel.Name, member, channel.IsOperator(member) ? "H@" : "H");
                    }
                }
            }
            else if (_server.State.FindNick(mask) is { } who)
            {
                SendWhoReply(client, "*", who, "H");
            }
        }

        client.SendNumeric(Numerics.RPL_ENDOFWHO, mask, "End of WHO list");
    }

    private void SendWhoReply(Client client, string channel, Client who, string flags) =>
        client.SendNumeric(Numerics.RPL_WHOREPLY, channel, who.User, who.Host, _server.Name, who.Nick!, flags, "0 " + who.RealName);
}
