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
    }

    /// <remarks>
    /// Checking a password costs PBKDF2's full work (a fraction of a second) on
    /// this client's own reader loop, so only this client waits, and its later
    /// commands still see the outcome in order.
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

        if (!PasswordHasher.Verify(message.Parameters[1], entry.PasswordHash))
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
        if (!victim.IsPlain)
        {
            victim.Send(new IrcMessage(null, client.Prefix, IrcCommands.Kill, [victim.Nick!, comment]));
        }

        _server.Log.Killed(client.Nick!, victim.Nick!, comment);

        // Room mates see the reason as the victim's QUIT once the connection is gone.
        victim.Close(reason, $"Closing Link: {_server.Name} ({reason})");
    }
}
