using System.Globalization;
using System.Text;
using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>WHO (with WHOX), WHOIS, WHOWAS, ISON, USERHOST and AWAY: asking about people.</summary>
public sealed class Users
{
    /// <summary>AWAYLEN: longer away messages are cut to this many characters.</summary>
    public const int MaxAwayLength = 200;

    /// <summary>USERHOST answers at most this many nicks, as RFC 2812 says.</summary>
    public const int MaxUserhostNicks = 5;

    /// <summary>The WHOX fields we know, in the order RPL_WHOSPCRPL must give them.</summary>
    public const string WhoxFieldOrder = "tcuihsnfdlaor";

    private readonly ChatServer _server;

    public Users(ChatServer server)
    {
        _server = server;
    }

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.Who, 0, false, Who);
        table.Add(IrcCommands.Whois, 0, false, Whois);
        table.Add(IrcCommands.Whowas, 0, false, Whowas);
        table.Add(IrcCommands.Ison, 1, false, Ison);
        table.Add(IrcCommands.Userhost, 1, false, Userhost);
        table.Add(IrcCommands.Away, 0, false, Away);
    }

    private void Who(Client client, IrcMessage message)
    {
        string mask = message.Param(0) is { Length: > 0 } given ? given : "*";
        var query = WhoQuery.Parse(message.Param(1));
        lock (_server.State.Gate)
        {
            foreach (var (channel, who) in WhoMatches(client, mask))
            {
                if (query.OperatorsOnly && !who.IsOperator)
                {
                    continue;
                }

                string flags = who.PresenceFlags + (channel is null ? "" : channel.PrefixFor(who, client));
                string channelName = channel?.Name ?? "*";
                if (query.Fields is { } fields)
                {
                    client.SendNumeric(Numerics.RPL_WHOSPCRPL, WhoxReply(fields, query.Token, channelName, who, flags));
                }
                else
                {
                    client.SendNumeric(Numerics.RPL_WHOREPLY, channelName, who.User, who.Host, _server.Name, who.Nick!, flags, "0 " + who.RealName);
                }
            }
        }

        client.SendNumeric(Numerics.RPL_ENDOFWHO, mask, "End of WHO list");
    }

    /// <summary>Under the gate: who a WHO mask names, with the room it was found through (null for none).</summary>
    private IEnumerable<(Channel? Channel, Client Who)> WhoMatches(Client client, string mask)
    {
        var state = _server.State;
        if (IrcValidation.IsChannel(mask))
        {
            var channel = state.FindChannel(mask);
            if (channel is null || !Rooms.CanSee(client, channel))
            {
                yield break;
            }

            // Invisible members are listed only to those in the room with them.
            bool inside = channel.Contains(client);
            foreach (var member in channel.Members)
            {
                if (inside || !member.Invisible)
                {
                    yield return (channel, member);
                }
            }

            yield break;
        }

        if (!IrcWildcard.HasWildcards(mask) && mask != "0")
        {
            // An exact nick answers that user, invisible or not.
            if (state.FindNick(mask) is { IsRegistered: true } exact)
            {
                yield return (null, exact);
            }

            yield break;
        }

        bool all = mask is "0" or "*";

        // Nick holders, not connections: users of other cluster nodes match too.
        foreach (var who in state.NickHolders)
        {
            if (!who.IsRegistered || who.Nick is null || !IsVisibleTo(who, client))
            {
                continue;
            }

            if (all
                || IrcWildcard.IsMatch(mask, who.Nick)
                || IrcWildcard.IsMatch(mask, who.Prefix)
                || IrcWildcard.IsMatch(mask, who.Host)
                || IrcWildcard.IsMatch(mask, who.RealName))
            {
                yield return (null, who);
            }
        }
    }

    /// <summary>Under the gate: visible users are not +i, or share a room with the asker.</summary>
    private static bool IsVisibleTo(Client who, Client asker) =>
        !who.Invisible || who == asker || who.Channels.Any(c => c.Contains(asker));

    /// <summary>RPL_WHOSPCRPL parameters: the requested fields in the standard order, realname last.</summary>
    private string[] WhoxReply(string fields, string? token, string channel, Client who, string flags)
    {
        var values = new List<string>();
        foreach (char field in WhoxFieldOrder)
        {
            if (!fields.Contains(field))
            {
                continue;
            }

            values.Add(field switch
            {
                't' => token ?? "0",
                'c' => channel,
                'u' => who.User,
                'i' => who.Host,
                'h' => who.Host,
                's' => _server.Name,
                'n' => who.Nick!,
                'f' => flags,
                'd' => "0",
                'l' => ((long)who.Idle.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                'a' => who.Account ?? "0",
                'o' => "n/a",
                _ => who.RealName,
            });
        }

        return [.. values];
    }

    private void Whois(Client client, IrcMessage message)
    {
        var ps = message.Parameters;
        string? nick = ps.Count >= 2 ? ps[1] : message.Param(0);
        if (string.IsNullOrEmpty(nick))
        {
            client.SendNumeric(Numerics.ERR_NONICKNAMEGIVEN, "No nickname given");
            return;
        }

        if (ps.Count >= 2 && !_server.Info.TargetsThisServer(ps[0]))
        {
            client.SendNumeric(Numerics.ERR_NOSUCHSERVER, ps[0], "No such server");
            return;
        }

        lock (_server.State.Gate)
        {
            var who = _server.State.FindNick(nick);
            if (who is null || !who.IsRegistered)
            {
                client.SendNumeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
                client.SendNumeric(Numerics.RPL_ENDOFWHOIS, nick, "End of /WHOIS list");
                return;
            }

            string name = who.Nick!;
            client.SendNumeric(Numerics.RPL_WHOISUSER, name, who.User, who.Host, "*", who.RealName);
            SendWhoisChannels(client, who);
            client.SendNumeric(Numerics.RPL_WHOISSERVER, name, _server.Name, ServerDescription);
            if (who.IsOperator)
            {
                client.SendNumeric(Numerics.RPL_WHOISOPERATOR, name, "is an IRC operator");
            }

            if (who.AwayMessage is { } away)
            {
                client.SendNumeric(Numerics.RPL_AWAY, name, away);
            }

            if (who.Account is { } account)
            {
                client.SendNumeric(Numerics.RPL_WHOISACCOUNT, name, account, "is logged in as");
            }

            client.SendNumeric(Numerics.RPL_WHOISIDLE, name,
                ((long)who.Idle.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                who.ConnectedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                "seconds idle, signon time");
            client.SendNumeric(Numerics.RPL_ENDOFWHOIS, name, "End of /WHOIS list");
        }
    }

    /// <summary>Under the gate: RPL_WHOISCHANNELS lines, each within 512 bytes; nothing when there are no rooms to show.</summary>
    private void SendWhoisChannels(Client client, Client who)
    {
        // ":server 319 asker nick :" leaves this much of a line.
        int room = IrcLimits.MaxBody - _server.Name.Length - client.NickOrStar.Length - who.Nick!.Length - 12;
        var line = new StringBuilder();
        foreach (var channel in who.Channels.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
        {
            // An invisible user's rooms, and secret rooms, are shown only to those who share them.
            if ((who.Invisible || channel.Secret) && who != client && !channel.Contains(client))
            {
                continue;
            }

            string entry = channel.PrefixFor(who, client) + channel.Name;
            if (line.Length > 0 && line.Length + 1 + entry.Length > room)
            {
                client.SendNumeric(Numerics.RPL_WHOISCHANNELS, who.Nick, line.ToString());
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
            client.SendNumeric(Numerics.RPL_WHOISCHANNELS, who.Nick, line.ToString());
        }
    }

    private void Whowas(Client client, IrcMessage message)
    {
        string? nick = message.Param(0);
        if (string.IsNullOrEmpty(nick))
        {
            client.SendNumeric(Numerics.ERR_NONICKNAMEGIVEN, "No nickname given");
            return;
        }

        // A count that is missing, not a number or not positive asks for everything.
        int count = int.TryParse(message.Param(1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 0;
        List<WhowasEntry> entries;
        lock (_server.State.Gate)
        {
            entries = _server.State.Whowas.Find(nick, count);
        }

        if (entries.Count == 0)
        {
            client.SendNumeric(Numerics.ERR_WASNOSUCHNICK, nick, "There was no such nickname");
        }

        foreach (var entry in entries)
        {
            client.SendNumeric(Numerics.RPL_WHOWASUSER, entry.Nick, entry.User, entry.Host, "*", entry.RealName);
            client.SendNumeric(Numerics.RPL_WHOISSERVER, entry.Nick, _server.Name,
                entry.Departed.ToString("ddd MMM d HH:mm:ss yyyy 'UTC'", CultureInfo.InvariantCulture));
        }

        client.SendNumeric(Numerics.RPL_ENDOFWHOWAS, nick, "End of WHOWAS");
    }

    private void Ison(Client client, IrcMessage message)
    {
        // "ISON a b c" and "ISON :a b c" both ask about a, b and c.
        var online = new List<string>();
        foreach (string nick in message.Parameters.SelectMany(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (_server.State.FindNick(nick) is { IsRegistered: true } who)
            {
                online.Add(who.Nick!);
            }
        }

        client.SendNumeric(Numerics.RPL_ISON, string.Join(' ', online));
    }

    private void Userhost(Client client, IrcMessage message)
    {
        var replies = new List<string>();
        foreach (string nick in message.Parameters.SelectMany(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Take(MaxUserhostNicks))
        {
            if (_server.State.FindNick(nick) is { IsRegistered: true } who)
            {
                // nick[*]=(+|-)user@host: '*' for an operator, '-' for away, '+' for here.
                replies.Add($"{who.Nick}{(who.IsOperator ? "*" : "")}={(who.AwayMessage is null ? '+' : '-')}{who.User}@{who.Host}");
            }
        }

        client.SendNumeric(Numerics.RPL_USERHOST, string.Join(' ', replies));
    }

    private void Away(Client client, IrcMessage message)
    {
        string? text = message.Param(0);
        if (string.IsNullOrEmpty(text))
        {
            client.AwayMessage = null;
            client.SendNumeric(Numerics.RPL_UNAWAY, "You are no longer marked as being away");
        }
        else
        {
            text = text.Length > MaxAwayLength ? text[..MaxAwayLength] : text;
            client.AwayMessage = text;
            client.SendNumeric(Numerics.RPL_NOWAWAY, "You have been marked as being away");
        }

        // away-notify: room mates that asked for it see the change (an empty AWAY means back).
        var line = text is null || text.Length == 0
            ? _server.Events.CapOnly(client, Cap.AwayNotify, IrcCommands.Away)
            : _server.Events.CapOnly(client, Cap.AwayNotify, IrcCommands.Away, text);
        lock (_server.State.Gate)
        {
            foreach (var mate in _server.State.RoomMates(client))
            {
                mate.Deliver(line);
            }
        }

        _server.Cluster?.AwayChanged(client);
    }

    private string ServerDescription => $"{_server.Options.Network} chat server";

    /// <summary>The second WHO parameter: flags ("o": operators only), then optionally "%fields[,token]" (WHOX).</summary>
    private readonly record struct WhoQuery(bool OperatorsOnly, string? Fields, string? Token)
    {
        public static WhoQuery Parse(string? options)
        {
            if (string.IsNullOrEmpty(options))
            {
                return default;
            }

            int percent = options.IndexOf('%');
            string flags = percent < 0 ? options : options[..percent];
            if (percent < 0)
            {
                return new WhoQuery(flags.Contains('o'), null, null);
            }

            string spec = options[(percent + 1)..];
            int comma = spec.IndexOf(',');
            string fields = comma < 0 ? spec : spec[..comma];
            string? token = comma < 0 ? null : spec[(comma + 1)..];
            if (token is not null && (token.Length is 0 or > 3 || !token.All(char.IsAsciiDigit)))
            {
                token = null;
            }

            return new WhoQuery(flags.Contains('o'), fields, token);
        }
    }
}
