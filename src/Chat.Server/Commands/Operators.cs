using Chat.Core.Protocol;
using Chat.Server.Security;

namespace Chat.Server.Commands;

/// <summary>OPER and KILL: becoming an IRC operator, and what only operators may do.</summary>
public sealed class Operators
{
    private readonly ChatServer _server;

    public Operators(ChatServer server)
    {
        _server = server;
    }

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Oper, 2, false, Oper);
        table.Add(IrcCommands.Kill, 2, false, Kill);
        table.Add(IrcCommands.Chghost, 2, false, Chghost);
    }

    /// <remarks>
    /// Checking a password costs PBKDF2's full work (a fraction of a second): it
    /// runs on the thread pool as this client's deferred work, so no reader or
    /// other client waits for it, and this client's later commands still see the
    /// outcome in order.
    /// </remarks>
    private void Oper(Client client, IrcMessage message)
    {
        string name = message.Parameters[0];
        var entry = _server.Options.Operators.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.Ordinal));
        if (entry is null)
        {
            _server.Log.OperFailed(name, client.Nick!, client.Endpoint, "no such operator");
            client.SendNumeric(Numerics.ERR_NOOPERHOST, "No O-lines for your host");
            return;
        }

        string password = message.Parameters[1];
        client.After(Task.Run(() => PasswordHasher.Verify(password, entry.PasswordHash)), done =>
        {
            if (!done.IsCompletedSuccessfully || !done.Result)
            {
                _server.Log.OperFailed(name, client.Nick!, client.Endpoint, "wrong password");
                client.SendNumeric(Numerics.ERR_PASSWDMISMATCH, "Password incorrect");
                return;
            }

            bool already = client.IsOperator;
            client.IsOperator = true;
            client.OperName = entry.Name;
            _server.Log.OperUp(client.Nick!, client.Endpoint, entry.Name);
            client.SendNumeric(Numerics.RPL_YOUREOPER, "You are now an IRC operator");
            if (!already)
            {
                client.Send(new IrcMessage(null, client.Prefix, IrcCommands.Mode, [client.Nick!, "+o"]));
            }
        });
    }

    private void Kill(Client client, IrcMessage message)
    {
        if (!client.IsOperator)
        {
            client.SendNumeric(Numerics.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator");
            return;
        }

        string nick = message.Parameters[0];
        var victim = _server.State.FindNick(nick);
        if (victim is null || !victim.IsRegistered)
        {
            client.SendNumeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
            return;
        }

        string comment = message.Parameters[1];
        string reason = $"Killed ({client.Nick} ({comment}))";
        if (victim.IsRemote)
        {
            // Cluster hook: the victim's node sends the KILL and closes the connection.
            _server.Cluster?.Killed(client, victim, comment, reason);
            _server.Log.Killed(client.Nick!, victim.Nick!, comment);
            return;
        }

        if (!victim.IsPlain)
        {
            victim.Send(new IrcMessage(null, client.Prefix, IrcCommands.Kill, [victim.Nick!, comment]));
        }

        _server.Log.Killed(client.Nick!, victim.Nick!, comment);

        // Room mates see the reason as the victim's QUIT once the connection is gone.
        victim.Close(reason, $"Closing Link: {_server.Name} ({reason})");
    }

    /// <summary>
    /// CHGHOST nick host (operators only): gives a user another host. Clients
    /// with the chghost capability get one CHGHOST line; IRC clients without it
    /// see the user quit and rejoin each shared room (with its status), as the
    /// chghost spec suggests, since they have no other way to learn the new host.
    /// </summary>
    private void Chghost(Client client, IrcMessage message)
    {
        if (!client.IsOperator)
        {
            client.SendNumeric(Numerics.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator");
            return;
        }

        var target = _server.State.FindNick(message.Parameters[0]);
        if (target is null || !target.IsRegistered)
        {
            client.SendNumeric(Numerics.ERR_NOSUCHNICK, message.Parameters[0], "No such nick/channel");
            return;
        }

        string host = message.Parameters[1];
        if (!IsValidHost(host))
        {
            client.SendStandardReply("FAIL", IrcCommands.Chghost, "INVALID_HOST", host, "Hosts are 1 to 63 letters, digits, '.', '-' or ':' and do not start with ':'");
            return;
        }

        lock (_server.State.Gate)
        {
            string oldPrefix = target.Prefix;
            target.Host = host;
            var change = new Outgoing(new IrcMessage(null, oldPrefix, IrcCommands.Chghost, [target.User, host]), null)
            {
                Account = target.Account,
                Requires = Cap.Chghost,
            };
            target.Deliver(change);
            var quit = new IrcMessage(null, oldPrefix, IrcCommands.Quit, ["Changing host"]);
            foreach (var mate in _server.State.RoomMates(target))
            {
                if (mate.Has(Cap.Chghost))
                {
                    mate.Deliver(change);
                }
                else if (!mate.IsPlain)
                {
                    Rejoin(mate, target, quit);
                }
            }
        }

        client.SendServerNotice($"{target.Nick} now has the host {host}");
    }

    /// <summary>Under the gate: what a client without chghost sees, a QUIT and a JOIN (and status) per shared room.</summary>
    private void Rejoin(Client viewer, Client target, IrcMessage quit)
    {
        viewer.Send(quit);
        foreach (var channel in target.Channels)
        {
            if (!channel.Contains(viewer))
            {
                continue;
            }

            viewer.Deliver(_server.Events.Join(target, channel));
            string status = channel.AllPrefixesOf(target).Replace('@', 'o').Replace('+', 'v');
            if (status.Length > 0)
            {
                var args = new List<string> { channel.Name, "+" + status };
                args.AddRange(Enumerable.Repeat(target.Nick!, status.Length));
                viewer.Send(new IrcMessage(null, _server.Name, IrcCommands.Mode, args));
            }
        }
    }

    private static bool IsValidHost(string host) =>
        host.Length is > 0 and <= 63 && host[0] != ':' && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':');
}
