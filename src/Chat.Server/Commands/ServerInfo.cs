using System.Globalization;
using System.Reflection;
using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>The welcome burst (001-005), LUSERS and MOTD.</summary>
public sealed class ServerInfo
{
    private readonly ChatServer _server;

    public ServerInfo(ChatServer server)
    {
        _server = server;
        Version = "chat-" + (typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0");
    }

    public string Version { get; }

    /// <summary>
    /// ISUPPORT tokens: each one describes what the server really does, and the
    /// tests check them against the implementation.
    /// </summary>
    public IReadOnlyList<string> IsupportTokens =>
    [
        "CASEMAPPING=" + IrcCaseMapping.Token,
        $"CHANLIMIT=#:{Rooms.MaxChannelsPerClient}",
        "CHANMODES=,,,nt",
        $"CHANNELLEN={IrcValidation.MaxChannelLength}",
        "CHANTYPES=#",
        "NETWORK=" + _server.Options.Network,
        $"NAMELEN={Profile.MaxRealNameLength}",
        $"NICKLEN={IrcValidation.MaxNickLength}",
        "PREFIX=(o)@",
        $"TARGMAX=PRIVMSG:{Messaging.MaxTargets},NOTICE:{Messaging.MaxTargets},JOIN:,PART:,NAMES:",
        $"TOPICLEN={Rooms.MaxTopicLength}",
        "UTF8ONLY",
        .. _server.ChatHistory.IsupportTokens,
    ];

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Motd, 0, false, (c, _) => SendMotd(c));
        table.Add(IrcCommands.Lusers, 0, false, (c, _) => SendLusers(c));
    }

    public void SendWelcome(Client client)
    {
        client.SendNumeric(Numerics.RPL_WELCOME, $"Welcome to the {_server.Options.Network} Network, {client.Prefix}");
        client.SendNumeric(Numerics.RPL_YOURHOST, $"Your host is {_server.Name}, running version {Version}");
        client.SendNumeric(Numerics.RPL_CREATED, $"This server was created {_server.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}");
        client.SendNumeric(Numerics.RPL_MYINFO, _server.Name, Version, "i", "ont", "o");
        var tokens = IsupportTokens;
        for (int i = 0; i < tokens.Count; i += 12)
        {
            var line = tokens.Skip(i).Take(12).Append("are supported by this server").ToArray();
            client.SendNumeric(Numerics.RPL_ISUPPORT, line);
        }

        SendLusers(client);
        SendMotd(client);
    }

    private void SendLusers(Client client)
    {
        int users = _server.State.RegisteredCount;
        client.SendNumeric(Numerics.RPL_LUSERCLIENT, $"There are {users} users and 0 invisible on 1 servers");
        client.SendNumeric(Numerics.RPL_LUSERCHANNELS, _server.State.ChannelCount.ToString(CultureInfo.InvariantCulture), "channels formed");
        client.SendNumeric(Numerics.RPL_LUSERME, $"I have {users} clients and 0 servers");
    }

    private void SendMotd(Client client)
    {
        var lines = _server.Options.Motd ?? [_server.Text.Format("MotdDefault", _server.Options.Network)];
        client.SendNumeric(Numerics.RPL_MOTDSTART, $"- {_server.Name} Message of the day - ");
        foreach (var line in lines)
        {
            client.SendNumeric(Numerics.RPL_MOTD, "- " + line);
        }

        client.SendNumeric(Numerics.RPL_ENDOFMOTD, "End of /MOTD command.");
    }
}
