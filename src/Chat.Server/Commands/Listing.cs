using System.Globalization;
using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>
/// LIST: rooms with their visible member count and topic. Secret rooms (+s) are
/// listed only to their members, even when asked for by name.
/// </summary>
/// <remarks>
/// Each parameter is a comma list of selectors, and a room is listed when it
/// passes all of them (ELIST=MNU): "#name" or a mask with '*'/'?' selects rooms
/// (any one of them suffices), "!mask" excludes rooms, "&gt;n" and "&lt;n" bound
/// the member count.
/// </remarks>
public sealed class Listing
{
    /// <summary>The ELIST token: the filters above, and nothing more.</summary>
    public const string ElistToken = "ELIST=MNU";

    private readonly ChatServer _server;

    public Listing(ChatServer server)
    {
        _server = server;
    }

    public void Register(CommandTable table)
    {
        table.Add(IrcCommands.List, 0, false, ListCommand);
    }

    private sealed class Filter
    {
        public List<string> Names { get; } = new();

        public List<string> Masks { get; } = new();

        public List<string> NotMasks { get; } = new();

        public int? MoreThan { get; set; }

        public int? LessThan { get; set; }

        public bool Accepts(Channel channel, int count)
        {
            bool selected = (Names.Count == 0 && Masks.Count == 0)
                || Names.Any(n => IrcCaseMapping.Equals(n, channel.Name))
                || Masks.Any(m => Server.Masks.Matches(m, channel.Name));
            return selected
                && !NotMasks.Any(m => Server.Masks.Matches(m, channel.Name))
                && (MoreThan is not { } more || count > more)
                && (LessThan is not { } less || count < less);
        }
    }

    private void ListCommand(Client client, IrcMessage message)
    {
        var filter = new Filter();
        foreach (string param in message.Parameters)
        {
            foreach (string item in param.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                AddSelector(filter, item);
            }
        }

        var rows = new List<(string Name, int Count, string Topic)>();
        lock (_server.State.Gate)
        {
            foreach (var channel in _server.State.Channels)
            {
                if (!Rooms.CanSee(client, channel))
                {
                    continue;
                }

                int count = VisibleCount(client, channel);
                if (filter.Accepts(channel, count))
                {
                    rows.Add((channel.Name, count, channel.Topic ?? ""));
                }
            }
        }

        client.SendNumeric(Numerics.RPL_LISTSTART, "Channel", "Users  Name");
        foreach (var (name, count, topic) in rows.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase))
        {
            client.SendNumeric(Numerics.RPL_LIST, name, count.ToString(CultureInfo.InvariantCulture), topic);
        }

        client.SendNumeric(Numerics.RPL_LISTEND, "End of /LIST");
    }

    private static void AddSelector(Filter filter, string item)
    {
        if (item.Length > 1 && item[0] is '>' or '<'
            && int.TryParse(item.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            if (item[0] == '>')
            {
                filter.MoreThan = Math.Max(filter.MoreThan ?? n, n);
            }
            else
            {
                filter.LessThan = Math.Min(filter.LessThan ?? n, n);
            }
        }
        else if (item.Length > 1 && item[0] == '!')
        {
            filter.NotMasks.Add(item[1..]);
        }
        else if (Masks.HasWildcard(item))
        {
            filter.Masks.Add(item);
        }
        else
        {
            filter.Names.Add(item);
        }
    }

    /// <summary>Under the gate: members count whole for a member; outsiders do not count invisible (+i) users.</summary>
    private static int VisibleCount(Client client, Channel channel) =>
        channel.Contains(client) ? channel.Count : channel.Members.Count(m => !m.Invisible);
}
