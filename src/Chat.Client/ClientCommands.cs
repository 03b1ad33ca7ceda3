namespace Chat.Client;

/// <summary>What one line typed in `chat join` asks for. <see cref="ClientCommands.Parse"/> makes them.</summary>
public abstract record ClientCommand
{
    /// <summary>Plain text for the current room (also "//text", to send a line that starts with '/').</summary>
    public sealed record Say(string Text) : ClientCommand;

    /// <summary>/join: join these rooms; the last one becomes the current room.</summary>
    public sealed record Join(IReadOnlyList<string> Rooms) : ClientCommand;

    /// <summary>/part: leave <paramref name="Room"/> (null: the current room).</summary>
    public sealed record Part(string? Room, string? Reason) : ClientCommand;

    /// <summary>/room or /switch: make <paramref name="Room"/> current; null with /switch moves to the next joined room, with /room shows the rooms.</summary>
    public sealed record SwitchRoom(string? Room, bool Next) : ClientCommand;

    /// <summary>/msg: a private message (or a message to a room that is not the current one).</summary>
    public sealed record SendTo(string Target, string Text) : ClientCommand;

    /// <summary>/names or /who: the people in <paramref name="Room"/> (null: the current room).</summary>
    public sealed record Names(string? Room) : ClientCommand;

    /// <summary>/topic: show (<paramref name="Text"/> null) or set the topic of <paramref name="Room"/> (null: the current room).</summary>
    public sealed record Topic(string? Room, string? Text) : ClientCommand;

    /// <summary>/me: an action in the current room.</summary>
    public sealed record Me(string Text) : ClientCommand;

    /// <summary>/nick: a new alias.</summary>
    public sealed record ChangeNick(string NewNick) : ClientCommand;

    /// <summary>/away: set (with a message) or clear (without) the away status.</summary>
    public sealed record Away(string? Message) : ClientCommand;

    /// <summary>/kick: remove someone from the current room.</summary>
    public sealed record Kick(string Nick, string? Reason) : ClientCommand;

    /// <summary>/bell on|off: whether mentions and private messages ring the terminal's bell; null shows the setting.</summary>
    public sealed record Bell(bool? On) : ClientCommand;

    /// <summary>/help.</summary>
    public sealed record Help : ClientCommand;

    /// <summary>'salir', /quit or /exit: leave the chat.</summary>
    public sealed record Leave(string Reason) : ClientCommand;

    /// <summary>A known command with missing arguments: show its usage.</summary>
    public sealed record Usage(CommandInfo Command) : ClientCommand;

    /// <summary>A word after '/' that is no command.</summary>
    public sealed record Unknown(string Word) : ClientCommand;

    /// <summary>An empty or blank line: nothing to do.</summary>
    public sealed record Nothing : ClientCommand;
}

/// <summary>One entry of the command table: its name, aliases, and the resource names of its usage and description.</summary>
public sealed record CommandInfo(string Name, string[] Aliases)
{
    /// <summary>Resource holding the syntax, e.g. "/msg nick text" (localised: "/msg alias texto").</summary>
    public string UsageKey => "Usage_" + Name;

    /// <summary>Resource holding the one-line description shown by /help.</summary>
    public string HelpKey => "Help_" + Name;

    public bool Matches(string word) =>
        word.Equals(Name, StringComparison.OrdinalIgnoreCase) || Aliases.Any(a => a.Equals(word, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Turns a typed line into a <see cref="ClientCommand"/>. Pure: no connection,
/// no state; what "the current room" is gets decided by whoever runs the command.
/// </summary>
public static class ClientCommands
{
    /// <summary>Every command, in the order /help lists them.</summary>
    public static readonly IReadOnlyList<CommandInfo> All =
    [
        new("join", []),
        new("part", ["leave"]),
        new("room", []),
        new("switch", []),
        new("msg", ["query"]),
        new("me", []),
        new("names", []),
        new("who", []),
        new("topic", []),
        new("nick", []),
        new("away", []),
        new("kick", []),
        new("bell", []),
        new("help", ["?"]),
        new("quit", ["exit"]),
    ];

    public static ClientCommand Parse(string line)
    {
        line = line.TrimEnd('\r', '\n');
        if (line.Trim().Length == 0)
        {
            return new ClientCommand.Nothing();
        }

        if (line.Trim().Equals("salir", StringComparison.OrdinalIgnoreCase))
        {
            return new ClientCommand.Leave("salir");
        }

        if (line.StartsWith("//", StringComparison.Ordinal))
        {
            return new ClientCommand.Say(line[1..]);
        }

        if (!line.StartsWith('/'))
        {
            return new ClientCommand.Say(line);
        }

        var (word, rest) = NextWord(line[1..]);
        var info = All.FirstOrDefault(c => c.Matches(word));
        if (info is null)
        {
            return new ClientCommand.Unknown("/" + word);
        }

        return ParseArguments(info, rest) ?? new ClientCommand.Usage(info);
    }

    /// <summary>A room name as typed ("general", "#general") as the server wants it.</summary>
    public static string RoomName(string name) => name.StartsWith('#') || name.StartsWith('&') ? name : "#" + name;

    private static bool LooksLikeRoom(string word) => word.Length > 1 && (word[0] == '#' || word[0] == '&');

    private static ClientCommand? ParseArguments(CommandInfo info, string rest)
    {
        switch (info.Name)
        {
            case "join":
                var rooms = rest.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(RoomName).ToList();
                return rooms.Count == 0 ? null : new ClientCommand.Join(rooms);
            case "part":
            {
                var (first, after) = NextWord(rest);
                return LooksLikeRoom(first)
                    ? new ClientCommand.Part(first, NullIfEmpty(after))
                    : new ClientCommand.Part(null, NullIfEmpty(rest));
            }

            case "room":
            case "switch":
            {
                var (room, _) = NextWord(rest);
                return new ClientCommand.SwitchRoom(room.Length == 0 ? null : RoomName(room), Next: info.Name == "switch");
            }

            case "msg":
            {
                var (target, text) = NextWord(rest);
                return target.Length == 0 || text.Length == 0 ? null : new ClientCommand.SendTo(target, text);
            }

            case "me":
                return rest.Length == 0 ? null : new ClientCommand.Me(rest);
            case "names":
            case "who":
            {
                var (room, _) = NextWord(rest);
                return new ClientCommand.Names(room.Length == 0 ? null : RoomName(room));
            }

            case "topic":
            {
                var (first, after) = NextWord(rest);
                return LooksLikeRoom(first)
                    ? new ClientCommand.Topic(first, NullIfEmpty(after))
                    : new ClientCommand.Topic(null, NullIfEmpty(rest));
            }

            case "nick":
            {
                var (nick, after) = NextWord(rest);
                return nick.Length == 0 || after.Length > 0 ? null : new ClientCommand.ChangeNick(nick);
            }

            case "away":
                return new ClientCommand.Away(NullIfEmpty(rest));
            case "kick":
            {
                var (nick, reason) = NextWord(rest);
                return nick.Length == 0 ? null : new ClientCommand.Kick(nick, NullIfEmpty(reason));
            }

            case "bell":
                return rest.Trim().ToLowerInvariant() switch
                {
                    "" => new ClientCommand.Bell(null),
                    "on" or "sí" or "si" => new ClientCommand.Bell(true),
                    "off" or "no" => new ClientCommand.Bell(false),
                    _ => null,
                };
            case "help":
                return new ClientCommand.Help();
            case "quit":
                return new ClientCommand.Leave(NullIfEmpty(rest) ?? "Leaving");
            default:
                return null;
        }
    }

    /// <summary>The first word, and the rest with the spaces after that word removed.</summary>
    private static (string Word, string After) NextWord(string text)
    {
        text = text.TrimStart(' ');
        int space = text.IndexOf(' ');
        return space < 0 ? (text, "") : (text[..space], text[(space + 1)..].TrimStart(' '));
    }

    private static string? NullIfEmpty(string text) => text.Trim().Length == 0 ? null : text.TrimEnd(' ');
}
