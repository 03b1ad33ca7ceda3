using Chat.Core.Protocol;

namespace Chat.Client;

/// <summary>
/// The rooms `chat join` is in and which one is current (where typed text goes).
/// Rooms count as joined once the server confirms the JOIN. Typed commands
/// (one task) and server events (another) both use it: every member takes
/// the one lock, and none calls out while holding it.
/// </summary>
public sealed class ChatRooms
{
    private readonly object _gate = new();
    private readonly List<string> _joined = [];
    private readonly HashSet<string> _namesWanted = new(IrcCaseMapping.Comparer);
    private readonly Dictionary<string, int> _unread = new(IrcCaseMapping.Comparer);
    private string? _current;
    private string? _wanted;

    /// <param name="first">The room asked for at start; current (typed text goes there) even before the server confirms it.</param>
    public ChatRooms(string first)
    {
        _current = first;
    }

    /// <summary>The room typed text goes to, or null when in none.</summary>
    public string? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>The joined rooms, oldest first.</summary>
    public IReadOnlyList<string> Joined
    {
        get
        {
            lock (_gate)
            {
                return [.. _joined];
            }
        }
    }

    public bool IsCurrent(string room)
    {
        lock (_gate)
        {
            return _current is not null && IrcCaseMapping.Equals(room, _current);
        }
    }

    /// <summary>The user asked to join <paramref name="room"/>: it becomes current when the server confirms (now, if already in it).</summary>
    public void Want(string room)
    {
        lock (_gate)
        {
            _namesWanted.Add(room);
            if (IndexOf(room) is int i and >= 0)
            {
                _current = _joined[i];
                _wanted = null;
            }
            else
            {
                _wanted = room;
            }
        }
    }

    /// <summary>The server confirmed our JOIN; true when this made <paramref name="room"/> the current room because the user asked for it.</summary>
    public bool Confirmed(string room)
    {
        lock (_gate)
        {
            if (IndexOf(room) < 0)
            {
                _joined.Add(room);
            }

            if (_wanted is not null && IrcCaseMapping.Equals(room, _wanted))
            {
                _current = room;
                _wanted = null;
                return true;
            }

            if (_current is null || IrcCaseMapping.Equals(room, _current))
            {
                // The first room, or the start-up room confirmed: take the server's spelling.
                bool changed = _current is null;
                _current = room;
                return changed;
            }

            return false;
        }
    }

    /// <summary>We left <paramref name="room"/> (PART or KICK); returns true when the current room changed.</summary>
    public bool Left(string room)
    {
        lock (_gate)
        {
            int i = IndexOf(room);
            if (i >= 0)
            {
                _joined.RemoveAt(i);
            }

            _unread.Remove(room);

            if (_current is null || !IrcCaseMapping.Equals(room, _current))
            {
                return false;
            }

            // The most recently joined of the rooms still joined takes over.
            _current = _joined.Count > 0 ? _joined[^1] : null;
            return true;
        }
    }

    /// <summary>Makes a joined room current; false when not in it.</summary>
    public bool SwitchTo(string room)
    {
        lock (_gate)
        {
            int i = IndexOf(room);
            if (i < 0)
            {
                return false;
            }

            _current = _joined[i];
            return true;
        }
    }

    /// <summary>Moves to the joined room after the current one (wrapping); the new current room, or null when in none.</summary>
    public string? SwitchNext()
    {
        lock (_gate)
        {
            if (_joined.Count == 0)
            {
                return _current = null;
            }

            int i = _current is null ? -1 : IndexOf(_current);
            _current = _joined[(i + 1) % _joined.Count];
            return _current;
        }
    }

    /// <summary>A /names or /who is waiting for <paramref name="room"/>'s list (so it is shown, unlike the list sent on joining the start-up room).</summary>
    public void WantNames(string room)
    {
        lock (_gate)
        {
            _namesWanted.Add(room);
        }
    }

    /// <summary>True (once) when the user is waiting for <paramref name="room"/>'s list.</summary>
    public bool TakeNamesWanted(string room)
    {
        lock (_gate)
        {
            return _namesWanted.Remove(room);
        }
    }

    /// <summary>A message arrived in <paramref name="room"/>: one more unread unless it is the current room.</summary>
    public void CountUnread(string room)
    {
        lock (_gate)
        {
            if (IndexOf(room) >= 0 && !(_current is not null && IrcCaseMapping.Equals(room, _current)))
            {
                _unread[room] = _unread.GetValueOrDefault(room) + 1;
            }
        }
    }

    /// <summary>The joined rooms, oldest first, with unread counts; the current room has none (it is being read).</summary>
    public IReadOnlyList<RoomStatus> Statuses()
    {
        lock (_gate)
        {
            if (_current is not null)
            {
                _unread.Remove(_current);
            }

            return [.. _joined.Select(r => new RoomStatus(r, _unread.GetValueOrDefault(r)))];
        }
    }

    private int IndexOf(string room) => _joined.FindIndex(r => IrcCaseMapping.Equals(r, room));
}
