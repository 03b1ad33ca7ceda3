using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>SETNAME: changing one's real name, announced to room mates that asked for it.</summary>
public sealed class Profile
{
    /// <summary>The longest real name accepted (NAMELEN in ISUPPORT).</summary>
    public const int MaxRealNameLength = 200;

    private readonly ChatServer _server;

    public Profile(ChatServer server)
    {
        _server = server;
    }

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Setname, 1, false, Setname);
    }

    private void Setname(Client client, IrcMessage message)
    {
        string name = message.Parameters[0];
        if (name.Length == 0 || name.Length > MaxRealNameLength)
        {
            client.SendStandardReply("FAIL", IrcCommands.Setname, "INVALID_REALNAME", "Real name must be 1 to 200 characters");
            return;
        }

        client.RealName = name;
        var line = _server.Events.CapOnly(client, Cap.Setname, IrcCommands.Setname, name);
        lock (_server.State.Gate)
        {
            foreach (var mate in _server.State.RoomMates(client))
            {
                mate.Deliver(line);
            }
        }

        client.Deliver(line);
    }
}
