using Chat.Core.Protocol;

namespace Chat.Client;

/// <summary>
/// Who is in each joined room, kept from NAMES, JOIN, PART, QUIT, NICK and KICK,
/// for Tab completion. The event loop writes and the key thread reads: every
/// member takes the one lock.
/// </summary>
public sealed class RoomMembers
{
    private const string Prefixes = "~&@%+";

    private readonly object _gate = new();
    private readonly Dictionary<string, HashSet<string>> _rooms = new(IrcCaseMapping.Comparer);

    /// <summary>The nicks in <paramref name="room"/> (none for null or a room we are not in).</summary>
    public IReadOnlyList<string> In(string? room)
    {
        lock (_gate)
        {
            return room is not null && _rooms.TryGetValue(room, out var nicks) ? [.. nicks] : [];
        }
    }

    /// <summary>Forgets everything (the connection was lost; rejoining lists the rooms again).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rooms.Clear();
        }
    }

    public void Apply(ChatEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case NamesReceived names:
                    _rooms[names.Channel] = new HashSet<string>(names.Names.Select(n => n.TrimStart(Prefixes.ToCharArray())), IrcCaseMapping.Comparer);
                    break;
                case UserJoined joined:
                    Room(joined.Channel).Add(joined.Nick);
                    break;
                case UserLeft { IsSelf: true, Channel: { } room }:
                    _rooms.Remove(room);
                    break;
                case UserLeft { Channel: { } room } left:
                    Room(room).Remove(left.Nick);
                    break;
                case UserLeft quit:
                    foreach (var nicks in _rooms.Values)
                    {
                        nicks.Remove(quit.Nick);
                    }

                    break;
                case UserKicked { IsSelf: true } kicked:
                    _rooms.Remove(kicked.Channel);
                    break;
                case UserKicked kicked:
                    Room(kicked.Channel).Remove(kicked.Nick);
                    break;
                case NickChanged renamed:
                    foreach (var nicks in _rooms.Values)
                    {
                        if (nicks.Remove(renamed.OldNick))
                        {
                            nicks.Add(renamed.NewNick);
                        }
                    }

                    break;
            }
        }
    }

    private HashSet<string> Room(string room)
    {
        if (!_rooms.TryGetValue(room, out var nicks))
        {
            _rooms[room] = nicks = new HashSet<string>(IrcCaseMapping.Comparer);
        }

        return nicks;
    }
}
