using Chat.Core.Protocol;

namespace Chat.Server;

/// <summary>One departed nick as WHOWAS shows it.</summary>
public sealed record WhowasEntry(string Nick, string User, string Host, string RealName, DateTimeOffset Departed);

/// <summary>
/// The nicks that recently left or were changed, newest first, for WHOWAS.
/// </summary>
/// <remarks>
/// Bounded: past <see cref="Capacity"/> entries the oldest is forgotten, so a
/// busy server's memory stays flat. Not thread-safe by itself: it is read and
/// written only under <see cref="ServerState.Gate"/>.
/// </remarks>
public sealed class WhowasHistory
{
    /// <summary>1000 entries: hours of departures on a busy server, a few hundred KB at most.</summary>
    public const int DefaultCapacity = 1000;

    private readonly LinkedList<WhowasEntry> _entries = new();

    public WhowasHistory(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _entries.Count;

    /// <summary>Under the gate: remembers that <paramref name="client"/> no longer uses its nick.</summary>
    internal void Record(Client client)
    {
        if (client.Nick is not null && client.IsRegistered)
        {
            Add(new WhowasEntry(client.Nick, client.User, client.Host, client.RealName, DateTimeOffset.UtcNow));
        }
    }

    /// <summary>Under the gate: adds the newest entry, forgetting the oldest past <see cref="Capacity"/>.</summary>
    internal void Add(WhowasEntry entry)
    {
        _entries.AddFirst(entry);
        if (_entries.Count > Capacity)
        {
            _entries.RemoveLast();
        }
    }

    /// <summary>Under the gate: up to <paramref name="max"/> entries for the nick (exact, case-folded), newest first; max &lt;= 0 means all.</summary>
    public List<WhowasEntry> Find(string nick, int max)
    {
        var found = new List<WhowasEntry>();
        foreach (var entry in _entries)
        {
            if (IrcCaseMapping.Equals(entry.Nick, nick))
            {
                found.Add(entry);
                if (max > 0 && found.Count == max)
                {
                    break;
                }
            }
        }

        return found;
    }
}
