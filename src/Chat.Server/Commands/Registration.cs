using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>CAP, PASS, NICK, USER, PING, PONG and QUIT: getting on, staying on, leaving.</summary>
public sealed class Registration
{
    private readonly ChatServer _server;

    public Registration(ChatServer server)
    {
        _server = server;
    }

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Cap, 1, true, CapCommand);
        table.Add(IrcCommands.Pass, 1, true, Pass);
        table.Add(IrcCommands.Nick, 0, true, Nick);
        table.Add(IrcCommands.User, 4, true, User);
        table.Add(IrcCommands.Ping, 1, true, Ping);
        table.Add(IrcCommands.Pong, 0, true, (c, _) => c.PongReceived());
        table.Add(IrcCommands.Quit, 0, true, Quit);
    }

    private void CapCommand(Client client, IrcMessage message)
    {
        string sub = message.Parameters[0].ToUpperInvariant();
        switch (sub)
        {
            case "LS":
                if (!client.IsRegistered)
                {
                    client.CapNegotiating = true;
                }

                int version = int.TryParse(message.Param(1), out int v) ? v : 301;
                client.CapVersion = Math.Max(client.CapVersion, version);
                if (version >= 302)
                {
                    // CAP LS 302 enables cap-notify implicitly.
                    client.Caps |= Cap.CapNotify;
                }

                SendList(client, "LS", Capabilities.LsEntries(version, client), multiline: version >= 302);
                break;
            case "LIST":
                SendList(client, "LIST", Capabilities.Names(client.Caps).Split(' ', StringSplitOptions.RemoveEmptyEntries), multiline: client.CapVersion >= 302);
                break;
            case "REQ":
                if (!client.IsRegistered)
                {
                    client.CapNegotiating = true;
                }

                Request(client, message.Param(1) ?? "");
                break;
            case "END":
                if (!client.IsRegistered)
                {
                    client.CapNegotiating = false;
                    _server.CompleteRegistration(client);
                }

                break;
            default:
                client.SendNumeric(Numerics.ERR_INVALIDCAPCMD, message.Parameters[0], "Invalid CAP command");
                break;
        }
    }

    /// <summary>CAP REQ is all or nothing: every name must be offered, or the whole request is refused.</summary>
    private void Request(Client client, string requested)
    {
        var names = requested.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Server.Cap enable = Cap.None;
        Server.Cap disable = Cap.None;
        foreach (var name in names)
        {
            bool off = name.StartsWith('-');
            if (!Capabilities.TryGet(off ? name[1..] : name, out var flag)
                || (off && flag == Cap.CapNotify && client.CapVersion >= 302))
            {
                client.Send(CapReply("NAK", client, requested));
                return;
            }

            if (off)
            {
                disable |= flag;
            }
            else
            {
                enable |= flag;
            }
        }

        if (names.Length == 0)
        {
            client.Send(CapReply("NAK", client, requested));
            return;
        }

        client.Caps = (client.Caps | enable) & ~disable;
        client.Send(CapReply("ACK", client, requested));
    }

    /// <summary>Sends a CAP list, over several lines ("CAP * LS * :...") when a 302 client's list is long.</summary>
    private void SendList(Client client, string sub, IEnumerable<string> entries, bool multiline)
    {
        const int room = 400;
        var lines = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (var entry in entries)
        {
            if (multiline && current.Length > 0 && current.Length + 1 + entry.Length > room)
            {
                lines.Add(current.ToString());
                current.Clear();
            }

            if (current.Length > 0)
            {
                current.Append(' ');
            }

            current.Append(entry);
        }

        lines.Add(current.ToString());
        for (int i = 0; i < lines.Count; i++)
        {
            var ps = i < lines.Count - 1
                ? new[] { client.NickOrStar, sub, "*", lines[i] }
                : new[] { client.NickOrStar, sub, lines[i] };
            client.Send(new IrcMessage(null, _server.Name, IrcCommands.Cap, ps));
        }
    }

    private IrcMessage CapReply(string sub, Client client, string value) =>
        new(null, _server.Name, IrcCommands.Cap, [client.NickOrStar, sub, value]);

    private static void Pass(Client client, IrcMessage message)
    {
        // The server has no connection password; PASS is accepted and ignored.
        if (client.IsRegistered)
        {
            client.SendNumeric(Numerics.ERR_ALREADYREGISTERED, "You may not reregister");
        }
    }

    private void Nick(Client client, IrcMessage message)
    {
        string? nick = message.Param(0);
        if (string.IsNullOrEmpty(nick))
        {
            client.SendNumeric(Numerics.ERR_NONICKNAMEGIVEN, "No nickname given");
            return;
        }

        if (!IrcValidation.IsValidNick(nick))
        {
            client.SendNumeric(Numerics.ERR_ERRONEUSNICKNAME, nick, "Erroneous nickname");
            return;
        }

        if (nick == client.Nick)
        {
            return;
        }

        // Cluster hook: with several nodes the shared database decides first who gets a nick.
        if (_server.Cluster?.ClaimNickFirst(client, nick, () => ApplyNick(client, nick),
            () => client.SendNumeric(Numerics.ERR_NICKNAMEINUSE, nick, "Nickname is already in use")) == true)
        {
            return;
        }

        ApplyNick(client, nick);
    }

    private void ApplyNick(Client client, string nick)
    {
        if (!client.IsRegistered)
        {
            if (!_server.State.TryClaimNick(client, nick))
            {
                client.SendNumeric(Numerics.ERR_NICKNAMEINUSE, nick, "Nickname is already in use");
                return;
            }

            _server.CompleteRegistration(client);
            return;
        }

        _server.Rooms.ChangeNick(client, nick);
    }

    private void User(Client client, IrcMessage message)
    {
        if (client.IsRegistered || client.HasUser)
        {
            client.SendNumeric(Numerics.ERR_ALREADYREGISTERED, "You may not reregister");
            return;
        }

        string user = message.Parameters[0];
        if (user.Length == 0 || user.AsSpan().IndexOfAny("@!") >= 0)
        {
            client.SendNumeric(Numerics.ERR_NEEDMOREPARAMS, IrcCommands.User, "Not enough parameters");
            return;
        }

        // Ident is not checked, so the user name carries the customary '~'.
        client.User = "~" + (user.Length > 9 ? user[..9] : user);
        string realName = message.Parameters[3];
        client.RealName = realName.Length > Profile.MaxRealNameLength ? realName[..Profile.MaxRealNameLength] : realName;
        client.HasUser = true;
        _server.CompleteRegistration(client);
    }

    private void Ping(Client client, IrcMessage message)
    {
        client.Send(new IrcMessage(null, _server.Name, IrcCommands.Pong, [_server.Name, message.Parameters[0]]));
    }

    private static void Quit(Client client, IrcMessage message)
    {
        string? text = message.Param(0);
        string reason = string.IsNullOrEmpty(text) ? "Quit" : "Quit: " + text;
        client.Close(reason, $"Closing Link: {client.Host} ({reason})");
    }
}
