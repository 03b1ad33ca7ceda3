using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>PRIVMSG and NOTICE, to rooms and to people.</summary>
public sealed class Messaging
{
    /// <summary>TARGMAX for PRIVMSG and NOTICE.</summary>
    public const int MaxTargets = 4;

    private readonly ChatServer _server;

    public Messaging(ChatServer server)
    {
        _server = server;
    }

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Privmsg, 0, false, (c, m) => Message(c, m, IrcCommands.Privmsg));
        table.Add(IrcCommands.Notice, 0, false, (c, m) => Message(c, m, IrcCommands.Notice));
        table.Add(IrcCommands.Tagmsg, 0, false, (c, m) => Message(c, m, IrcCommands.Tagmsg));
    }

    /// <summary>The client-only tags ("+typing=active") of a message, relayed as they came.</summary>
    private static Dictionary<string, string>? ClientTags(IrcMessage message)
    {
        Dictionary<string, string>? tags = null;
        foreach (var (key, value) in message.Tags)
        {
            if (key.StartsWith('+'))
            {
                (tags ??= new(StringComparer.Ordinal))[key] = value;
            }
        }

        return tags;
    }

    private void Message(Client client, IrcMessage message, string command)
    {
        // A NOTICE never causes an automatic reply, errors included (Modern IRC).
        bool replies = command == IrcCommands.Privmsg;
        if (message.Parameters.Count == 0 || message.Parameters[0].Length == 0)
        {
            if (replies)
            {
                client.SendNumeric(Numerics.ERR_NORECIPIENT, $"No recipient given ({command})");
            }

            return;
        }

        bool tagOnly = command == IrcCommands.Tagmsg;
        string? text = message.Param(1);
        if (!tagOnly && string.IsNullOrEmpty(text))
        {
            if (replies)
            {
                client.SendNumeric(Numerics.ERR_NOTEXTTOSEND, "No text to send");
            }

            return;
        }

        string[] targets = message.Parameters[0].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (targets.Length > MaxTargets)
        {
            if (replies)
            {
                client.SendNumeric(Numerics.ERR_TOOMANYTARGETS, message.Parameters[0], $"Too many targets, at most {MaxTargets}");
            }

            return;
        }

        var tags = ClientTags(message);
        foreach (string target in targets)
        {
            if (IrcValidation.IsChannel(target))
            {
                SendToChannel(client, command, target, text, replies, tags);
            }
            else if (!SendToNick(client, command, target, text, tags) && replies)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHNICK, target, "No such nick/channel");
            }
        }
    }

    /// <summary>
    /// Delivers a message to everyone in a room but its sender (and to the sender
    /// too with echo-message), unless the room refuses it: outsiders of a +n room,
    /// members without +v or +o in a +m room, and banned (+b) senders without +v
    /// or +o get ERR_CANNOTSENDTOCHAN, or a readable line in plain mode; with
    /// <paramref name="replies"/> false (NOTICE) nothing is said.
    /// </summary>
    public void SendToChannel(Client client, string command, string target, string? text, bool replies = true, IReadOnlyDictionary<string, string>? tags = null)
    {
        var channel = _server.State.FindChannel(target);
        if (channel is null)
        {
            if (replies)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHCHANNEL, target, "No such channel");
            }

            return;
        }

        string? refusal;
        lock (_server.State.Gate)
        {
            refusal = RefusedSpeech(client, channel);
        }

        if (refusal is not null)
        {
            if (replies && client.IsPlain)
            {
                client.SendPlain(_server.Text.Format("PlainCannotSend", channel.Name));
            }
            else if (replies)
            {
                client.SendNumeric(Numerics.ERR_CANNOTSENDTOCHAN, channel.Name, refusal);
            }

            return;
        }

        var line = _server.Events.Message(client, command, channel.Name, text, tags, privately: false);
        _server.History.Record(client, line, command, channel.Name, History.HistoryService.RoomKey(channel.Name), text, () =>
        {
            // Cluster hook: every node, this one too, delivers it when the database hands it back, so all see one order.
            if (_server.Cluster?.RoomMessage(client, channel, line, command, text, () => DeliverToRoom(client, channel, line, text)) != true)
            {
                DeliverToRoom(client, channel, line, text);
            }
        });
    }

    /// <summary>A room message to this server's members of the room (and its echo to the sender).</summary>
    private void DeliverToRoom(Client client, Channel channel, Outgoing line, string? text)
    {
        foreach (var recipient in channel.Members)
        {
            if (recipient != client)
            {
                recipient.Deliver(line);
            }
        }

        if (client.Has(Cap.EchoMessage))
        {
            client.Deliver(line);
        }

        if (text is not null)
        {
            _server.LogMessage(client, channel.Name, text);
        }
    }

    /// <summary>Under the gate: why the client may not speak in the room, or null when it may.</summary>
    private static string? RefusedSpeech(Client client, Channel channel)
    {
        if (!channel.Contains(client))
        {
            if (channel.NoExternalMessages)
            {
                return "Cannot send to channel (+n)";
            }

            if (channel.Moderated)
            {
                return "Cannot send to channel (+m)";
            }

            return channel.IsBanned(client) ? "Cannot send to channel (+b)" : null;
        }

        if (channel.HasVoice(client))
        {
            return null;
        }

        if (channel.Moderated)
        {
            return "Cannot send to channel (+m)";
        }

        return channel.IsBanned(client) ? "Cannot send to channel (+b)" : null;
    }

    /// <summary>Delivers a private message; false when nobody has that nick.</summary>
    public bool SendToNick(Client client, string command, string nick, string? text, IReadOnlyDictionary<string, string>? tags = null)
    {
        if (Chat.Server.Accounts.NickServ.IsServiceNick(nick))
        {
            // Never stored or logged: it carries passwords.
            _server.Accounts.NickServ.OnMessage(client, command, text);
            return true;
        }

        var recipient = _server.State.FindNick(nick);
        if (recipient is null || !recipient.IsRegistered)
        {
            return false;
        }

        var line = _server.Events.Message(client, command, recipient.Nick!, text, tags, privately: true);
        _server.History.Record(client, line, command, recipient.Nick!, History.HistoryService.DirectKey(client.Nick!, recipient.Nick!), text, () =>
        {
            if (recipient.IsRemote)
            {
                // Cluster hook: the recipient's node delivers it.
                _server.Cluster?.DirectMessage(client, recipient, line, command, text);
            }

            recipient.Deliver(line);
            if (client.Has(Cap.EchoMessage) && recipient != client)
            {
                client.Deliver(line);
            }
        });

        if (command == IrcCommands.Privmsg && recipient.AwayMessage is { } away && !client.IsPlain)
        {
            client.SendNumeric(Numerics.RPL_AWAY, recipient.Nick!, away);
        }

        return true;
    }
}
