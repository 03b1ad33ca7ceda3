using System.Globalization;
using System.Reflection;
using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>The welcome burst (001-005) and the server queries: LUSERS, MOTD, VERSION, TIME, INFO and ADMIN.</summary>
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
        $"AWAYLEN={Users.MaxAwayLength}",
        "CASEMAPPING=" + IrcCaseMapping.Token,
        $"CHANLIMIT=#:{Rooms.MaxChannelsPerClient}",
        ChannelModes.ChanModesToken,
        $"CHANNELLEN={IrcValidation.MaxChannelLength}",
        "CHANTYPES=#",
        Listing.ElistToken,
        $"KEYLEN={Channel.MaxKeyLength}",
        $"KICKLEN={Moderation.MaxKickReasonLength}",
        $"MAXLIST={ChannelModes.ListModes}:{Channel.MaxBans}",
        $"MODES={ChannelModes.MaxParameterModes}",
        "NETWORK=" + _server.Options.Network,
        $"NAMELEN={Profile.MaxRealNameLength}",
        $"NICKLEN={IrcValidation.MaxNickLength}",
        ChannelModes.PrefixToken,
        $"TARGMAX=PRIVMSG:{Messaging.MaxTargets},NOTICE:{Messaging.MaxTargets},JOIN:,PART:,NAMES:,KICK:{Moderation.MaxKickTargets},LIST:",
        $"TOPICLEN={Rooms.MaxTopicLength}",
        "UTF8ONLY",
        "WHOX",
        .. _server.ChatHistory.IsupportTokens,
    ];

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Motd, 0, false, (c, m) => IfForUs(c, m, SendMotd));
        table.Add(IrcCommands.Lusers, 0, false, (c, _) => SendLusers(c));
        table.Add(IrcCommands.Version, 0, false, (c, m) => IfForUs(c, m, SendVersion));
        table.Add(IrcCommands.Time, 0, false, (c, m) => IfForUs(c, m, SendTime));
        table.Add(IrcCommands.Info, 0, false, (c, m) => IfForUs(c, m, SendInfo));
        table.Add(IrcCommands.Admin, 0, false, (c, m) => IfForUs(c, m, SendAdmin));
    }

    /// <summary>
    /// Whether a query's optional &lt;target&gt; means this server: its name (wildcards
    /// allowed) or the nick of someone on it. There is only one server to ask.
    /// </summary>
    public bool TargetsThisServer(string target) =>
        IrcWildcard.IsMatch(target, _server.Name) || _server.State.FindNick(target) is not null;

    /// <summary>Runs <paramref name="reply"/>, or answers ERR_NOSUCHSERVER when the target is another server.</summary>
    private void IfForUs(Client client, IrcMessage message, Action<Client> reply)
    {
        if (message.Param(0) is { Length: > 0 } target && !TargetsThisServer(target))
        {
            client.SendNumeric(Numerics.ERR_NOSUCHSERVER, target, "No such server");
            return;
        }

        reply(client);
    }

    public void SendWelcome(Client client)
    {
        client.SendNumeric(Numerics.RPL_WELCOME, $"Welcome to the {_server.Options.Network} Network, {client.Prefix}");
        client.SendNumeric(Numerics.RPL_YOURHOST, $"Your host is {_server.Name}, running version {Version}");
        client.SendNumeric(Numerics.RPL_CREATED, $"This server was created {_server.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}");
        client.SendNumeric(Numerics.RPL_MYINFO, _server.Name, Version, ChannelModes.UserModes, ChannelModes.AllChannelModes, ChannelModes.ParameterModes);
        SendIsupport(client);
        SendLusers(client);
        SendMotd(client);
    }

    private void SendIsupport(Client client)
    {
        var tokens = IsupportTokens;
        for (int i = 0; i < tokens.Count; i += 12)
        {
            var line = tokens.Skip(i).Take(12).Append("are supported by this server").ToArray();
            client.SendNumeric(Numerics.RPL_ISUPPORT, line);
        }
    }

    private void SendLusers(Client client)
    {
        int users = _server.State.RegisteredCount;
        client.SendNumeric(Numerics.RPL_LUSERCLIENT, $"There are {users} users and 0 invisible on 1 servers");
        int operators = _server.State.OperatorCount;
        if (operators > 0)
        {
            client.SendNumeric(Numerics.RPL_LUSEROP, operators.ToString(CultureInfo.InvariantCulture), "operator(s) online");
        }

        client.SendNumeric(Numerics.RPL_LUSERCHANNELS, _server.State.ChannelCount.ToString(CultureInfo.InvariantCulture), "channels formed");
        client.SendNumeric(Numerics.RPL_LUSERME, $"I have {users} clients and 0 servers");
    }

    private void SendMotd(Client client)
    {
        var lines = MotdLines();
        if (lines is null)
        {
            client.SendNumeric(Numerics.ERR_NOMOTD, "MOTD File is missing");
            return;
        }

        client.SendNumeric(Numerics.RPL_MOTDSTART, $"- {_server.Name} Message of the day - ");
        foreach (var line in lines.DefaultIfEmpty(""))
        {
            client.SendNumeric(Numerics.RPL_MOTD, "- " + line);
        }

        client.SendNumeric(Numerics.RPL_ENDOFMOTD, "End of /MOTD command.");
    }

    /// <summary>The configured lines, else the MOTD file's lines (null when it cannot be read), else a short default.</summary>
    private IReadOnlyList<string>? MotdLines()
    {
        var options = _server.Options;
        if (options.Motd is { } configured)
        {
            return configured;
        }

        if (options.MotdFile is not { } path)
        {
            return [_server.Text.Format("MotdDefault", options.Network)];
        }

        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _server.Log.MotdUnreadable(path, ex.Message);
            return null;
        }
    }

    private void SendVersion(Client client)
    {
        client.SendNumeric(Numerics.RPL_VERSION, Version, _server.Name, $"{_server.Options.Network} chat server");
        SendIsupport(client);
    }

    private void SendTime(Client client)
    {
        var now = DateTimeOffset.UtcNow;
        client.SendNumeric(Numerics.RPL_TIME, _server.Name,
            now.ToString("dddd MMMM d yyyy -- HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
    }

    private void SendInfo(Client client)
    {
        string[] lines =
        [
            $"{Version}: a multi-user chat that speaks IRC",
            "chat serve runs the server, chat join is its terminal client",
            $"Running on .NET {Environment.Version}",
            $"Started {_server.StartedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)}",
            "MIT licensed",
        ];
        foreach (var line in lines)
        {
            client.SendNumeric(Numerics.RPL_INFO, line);
        }

        client.SendNumeric(Numerics.RPL_ENDOFINFO, "End of INFO list");
    }

    private void SendAdmin(Client client)
    {
        var admin = _server.Options.Admin;
        client.SendNumeric(Numerics.RPL_ADMINME, _server.Name, "Administrative info");
        client.SendNumeric(Numerics.RPL_ADMINLOC1, admin.Location ?? $"Server {_server.Name}");
        client.SendNumeric(Numerics.RPL_ADMINLOC2, admin.Location2 ?? $"The {_server.Options.Network} network");
        client.SendNumeric(Numerics.RPL_ADMINEMAIL, admin.Email ?? "No administrator e-mail configured");
    }
}
