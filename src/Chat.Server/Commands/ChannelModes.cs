using System.Globalization;
using System.Text;
using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>
/// MODE, for rooms and for oneself. The mode letters are declared here once;
/// ISUPPORT (CHANMODES, PREFIX, MODES) and RPL_MYINFO are built from them.
/// </summary>
/// <remarks>
/// A change is applied under <see cref="ServerState.Gate"/> and announced to the
/// room as one MODE line holding only what really changed: setting a mode that
/// is already set, or removing one that is not, is dropped silently.
/// </remarks>
public sealed class ChannelModes
{
    /// <summary>MODES: parameterised changes one MODE command may carry; those past it are ignored.</summary>
    public const int MaxParameterModes = 4;

    /// <summary>CHANMODES type A: lists; without a parameter the list is shown.</summary>
    public const string ListModes = "b";

    /// <summary>CHANMODES type B: a parameter when set and when removed.</summary>
    public const string KeyModes = "k";

    /// <summary>CHANMODES type C: a parameter only when set.</summary>
    public const string SetOnlyParamModes = "l";

    /// <summary>CHANMODES type D: flags.</summary>
    public const string FlagModes = "imnst";

    /// <summary>PREFIX modes, highest first, and their symbols.</summary>
    public const string PrefixModes = "ov";

    public const string PrefixSymbols = "@+";

    /// <summary>User modes (RPL_MYINFO).</summary>
    public const string UserModes = "io";

    private readonly ChatServer _server;

    public ChannelModes(ChatServer server)
    {
        _server = server;
    }

    public static string ChanModesToken => $"CHANMODES={ListModes},{KeyModes},{SetOnlyParamModes},{FlagModes}";

    public static string PrefixToken => $"PREFIX=({PrefixModes}){PrefixSymbols}";

    /// <summary>Every channel mode letter, sorted, as RPL_MYINFO lists them.</summary>
    public static string AllChannelModes => Sorted(ListModes + KeyModes + SetOnlyParamModes + FlagModes + PrefixModes);

    /// <summary>The channel modes that take a parameter, as RPL_MYINFO's optional fifth parameter.</summary>
    public static string ParameterModes => Sorted(ListModes + KeyModes + SetOnlyParamModes + PrefixModes);

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Mode, 1, false, ModeCommand);
    }

    private static string Sorted(string letters) => new([.. letters.Order()]);

    /// <summary>One requested change, or a list query when <see cref="Arg"/> is null for a list mode.</summary>
    private readonly record struct Request(bool Adding, char Mode, string? Arg);

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
                var modes = channel.ModeParameters(showKey: channel.Contains(client));
                client.SendNumeric(Numerics.RPL_CHANNELMODEIS, [channel.Name, .. modes]);
                client.SendNumeric(Numerics.RPL_CREATIONTIME, channel.Name,
                    channel.Created.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
                return;
            }

            var requests = Parse(client, message);
            var changes = requests.Where(r => r.Arg is not null || !ListModes.Contains(r.Mode)).ToList();
            if (changes.Count > 0 && !channel.IsOperator(client))
            {
                client.SendNumeric(Numerics.ERR_CHANOPRIVSNEEDED, channel.Name, "You're not channel operator");
                return;
            }

            foreach (char list in requests.Where(r => r.Arg is null && ListModes.Contains(r.Mode)).Select(r => r.Mode).Distinct())
            {
                SendList(client, channel, list);
            }

            Apply(client, channel, changes);
        }
    }

    /// <summary>
    /// Reads "+ik-l key" and its arguments into requests, taking arguments in
    /// order as each mode's type says. Unknown letters answer ERR_UNKNOWNMODE once
    /// each; a mode missing its argument is ignored (Modern IRC), and so is every
    /// parameterised change past <see cref="MaxParameterModes"/>.
    /// </summary>
    private static List<Request> Parse(Client client, IrcMessage message)
    {
        var requests = new List<Request>();
        var unknown = new HashSet<char>();
        bool adding = true;
        int next = 2;
        int withArgs = 0;
        foreach (char c in message.Parameters[1])
        {
            if (c is '+' or '-')
            {
                adding = c == '+';
                continue;
            }

            bool takesArg = ListModes.Contains(c) || KeyModes.Contains(c) || PrefixModes.Contains(c)
                || (SetOnlyParamModes.Contains(c) && adding);
            if (!takesArg && !FlagModes.Contains(c) && !SetOnlyParamModes.Contains(c))
            {
                if (unknown.Add(c))
                {
                    client.SendNumeric(Numerics.ERR_UNKNOWNMODE, c.ToString(), "is unknown mode char to me");
                }

                continue;
            }

            if (!takesArg)
            {
                requests.Add(new Request(adding, c, null));
                continue;
            }

            string? arg = message.Param(next);
            if (arg is null)
            {
                // A list without a mask is a query; "-k" alone still removes the key.
                if (ListModes.Contains(c) || (KeyModes.Contains(c) && !adding))
                {
                    requests.Add(new Request(adding, c, null));
                }

                continue;
            }

            next++;
            if (++withArgs <= MaxParameterModes)
            {
                requests.Add(new Request(adding, c, arg));
            }
        }

        return requests;
    }

    /// <summary>Under the gate: RPL_BANLIST lines then RPL_ENDOFBANLIST; outsiders of a secret room see an empty list.</summary>
    private static void SendList(Client client, Channel channel, char mode)
    {
        if (mode == 'b')
        {
            if (Rooms.CanSee(client, channel))
            {
                foreach (var ban in channel.Bans)
                {
                    client.SendNumeric(Numerics.RPL_BANLIST, channel.Name, ban.Mask, ban.SetBy,
                        ban.SetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
                }
            }

            client.SendNumeric(Numerics.RPL_ENDOFBANLIST, channel.Name, "End of channel ban list");
        }
    }

    /// <summary>Under the gate, for an operator: applies each change and announces those that took effect.</summary>
    private void Apply(Client client, Channel channel, List<Request> requests)
    {
        var applied = new List<(bool Adding, char Mode, string? Arg)>();
        foreach (var (adding, mode, arg) in requests)
        {
            switch (mode)
            {
                case 'b':
                    ChangeBan(client, channel, adding, arg!, applied);
                    break;
                case 'k':
                    ChangeKey(client, channel, adding, arg, applied);
                    break;
                case 'l':
                    ChangeLimit(client, channel, adding, arg, applied);
                    break;
                case 'o':
                case 'v':
                    ChangeStatus(client, channel, adding, mode, arg!, applied);
                    break;
                default:
                    if (SetFlag(channel, mode, adding))
                    {
                        applied.Add((adding, mode, null));
                    }

                    break;
            }
        }

        if (applied.Count == 0)
        {
            return;
        }

        var letters = new StringBuilder();
        var args = new List<string>();
        char sign = ' ';
        foreach (var (adding, mode, arg) in applied)
        {
            char s = adding ? '+' : '-';
            if (s != sign)
            {
                letters.Append(s);
                sign = s;
            }

            letters.Append(mode);
            if (arg is not null)
            {
                args.Add(arg);
            }
        }

        var line = _server.Events.Mode(client, channel, [letters.ToString(), .. args]);
        if (channel.Contains(client))
        {
            client.Deliver(line);
        }

        var others = channel.Members.Where(m => m != client).ToArray();
        void TellOthers()
        {
            foreach (var member in others)
            {
                member.Deliver(line);
            }
        }

        // Cluster hook: the others here are told in the order the database gives every node (see ClusterNode).
        if (_server.Cluster?.ModeChanged(client, channel, [letters.ToString(), .. args], TellOthers) != true)
        {
            TellOthers();
        }
    }

    private static void ChangeBan(Client client, Channel channel, bool adding, string arg, List<(bool, char, string?)> applied)
    {
        string? mask = Masks.Normalize(arg);
        if (mask is null)
        {
            client.SendNumeric(Numerics.ERR_INVALIDMODEPARAM, channel.Name, "b", arg, "Invalid ban mask");
            return;
        }

        if (!adding)
        {
            if (channel.RemoveBan(mask) is { } removed)
            {
                applied.Add((false, 'b', removed));
            }

            return;
        }

        if (channel.Bans.Count >= Channel.MaxBans)
        {
            client.SendNumeric(Numerics.ERR_BANLISTFULL, channel.Name, "b", "Channel ban list is full");
            return;
        }

        if (channel.AddBan(mask, client.Prefix))
        {
            applied.Add((true, 'b', mask));
        }
    }

    private static void ChangeKey(Client client, Channel channel, bool adding, string? arg, List<(bool, char, string?)> applied)
    {
        if (!adding)
        {
            if (channel.Key is not null)
            {
                channel.Key = null;
                applied.Add((false, 'k', "*"));
            }

            return;
        }

        if (!IsValidKey(arg!))
        {
            // The bad key is never echoed: it may have spaces, be empty, or be long.
            client.SendNumeric(Numerics.ERR_INVALIDMODEPARAM, channel.Name, "k", "*",
                $"Invalid key: 1 to {Channel.MaxKeyLength} printable ASCII characters, no spaces or commas");
            return;
        }

        if (channel.Key != arg)
        {
            channel.Key = arg;
            applied.Add((true, 'k', arg));
        }
    }

    private static void ChangeLimit(Client client, Channel channel, bool adding, string? arg, List<(bool, char, string?)> applied)
    {
        if (!adding)
        {
            if (channel.Limit is not null)
            {
                channel.Limit = null;
                applied.Add((false, 'l', null));
            }

            return;
        }

        if (!int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int limit) || limit <= 0)
        {
            client.SendNumeric(Numerics.ERR_INVALIDMODEPARAM, channel.Name, "l", arg!, "Invalid limit: a positive whole number");
            return;
        }

        if (channel.Limit != limit)
        {
            channel.Limit = limit;
            applied.Add((true, 'l', limit.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private void ChangeStatus(Client client, Channel channel, bool adding, char mode, string nick, List<(bool, char, string?)> applied)
    {
        var who = _server.State.FindNick(nick);
        if (who is null || !who.IsRegistered)
        {
            client.SendNumeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
            return;
        }

        if (!channel.Contains(who))
        {
            client.SendNumeric(Numerics.ERR_USERNOTINCHANNEL, who.Nick!, channel.Name, "They aren't on that channel");
            return;
        }

        var flag = mode == 'o' ? MemberStatus.Operator : MemberStatus.Voice;
        if (channel.SetStatus(who, flag, adding))
        {
            applied.Add((adding, mode, who.Nick));
        }
    }

    /// <summary>Sets a type D flag; false when it already had that value.</summary>
    private static bool SetFlag(Channel channel, char mode, bool on)
    {
        bool current = mode switch
        {
            'i' => channel.InviteOnly,
            'm' => channel.Moderated,
            'n' => channel.NoExternalMessages,
            's' => channel.Secret,
            't' => channel.TopicLocked,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a flag mode."),
        };
        if (current == on)
        {
            return false;
        }

        switch (mode)
        {
            case 'i': channel.InviteOnly = on; break;
            case 'm': channel.Moderated = on; break;
            case 'n': channel.NoExternalMessages = on; break;
            case 's': channel.Secret = on; break;
            case 't': channel.TopicLocked = on; break;
        }

        return true;
    }

    /// <summary>KEYLEN and RFC 2812's key grammar: 1 to 23 printable ASCII characters; no comma, since JOIN lists keys with commas.</summary>
    public static bool IsValidKey(string key) =>
        key.Length is > 0 and <= Channel.MaxKeyLength && key.All(c => c is > ' ' and < '\u007f' and not ',') && key[0] != ':';

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
            client.SendNumeric(Numerics.RPL_UMODEIS, client.UserModes);
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
                case 'o':
                    // +o comes only from OPER; a user may drop it.
                    if (!adding && client.IsOperator)
                    {
                        client.IsOperator = false;
                        changed += "-o";
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
}
