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
                client.SendNumeric("407", message.Parameters[0], $"Too many targets, at most {MaxTargets}");
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

    /// <summary>Delivers a message to everyone in a room but its sender.</summary>
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

        bool member;
        lock (_server.State.Gate)
        {
            member = channel.Contains(client);
        }

        if (!member && channel.NoExternalMessages)
        {
            if (replies)
            {
                client.SendNumeric(Numerics.ERR_CANNOTSENDTOCHAN, channel.Name, "Cannot send to channel");
            }

            return;
        }

        var line = _server.Events.Message(client, command, channel.Name, text, tags, privately: false);
        _server.History.Record(client, line, command, channel.Name, History.HistoryService.RoomKey(channel.Name), text, () =>
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
        });
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
            recipient.Deliver(line);
            if (client.Has(Cap.EchoMessage) && recipient != client)
            {
                client.Deliver(line);
            }
        });

        return true;
    }
}
