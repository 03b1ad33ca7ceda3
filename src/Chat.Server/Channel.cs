namespace Chat.Server;

/// <summary>What a member may do in a room beyond talking: +v and +o.</summary>
[Flags]
public enum MemberStatus
{
    None = 0,

    /// <summary>+v: may speak in a moderated room and despite a ban.</summary>
    Voice = 1,

    /// <summary>+o: may change modes and the topic, kick and invite.</summary>
    Operator = 2,
}

/// <summary>One entry of the ban list (+b): the mask, who set it and when.</summary>
public sealed record BanEntry(string Mask, string SetBy, DateTimeOffset SetAt);

/// <summary>
/// A room. Membership and modes change only under <see cref="ServerState.Gate"/>,
/// and every read of modes, statuses or bans that must be consistent happens
/// under it too; <see cref="Members"/> is an immutable snapshot that broadcasts
/// read without it.
/// </summary>
public sealed class Channel
{
    /// <summary>MAXLIST for +b: a room keeps at most this many bans.</summary>
    public const int MaxBans = 100;

    /// <summary>KEYLEN: a key is 1 to 23 printable ASCII characters (RFC 2812's key grammar), no comma.</summary>
    public const int MaxKeyLength = 23;

    private readonly Dictionary<Client, MemberStatus> _members = new();
    private readonly List<BanEntry> _bans = new();
    private Client[] _snapshot = [];

    public Channel(string name)
    {
        Name = name;
        Created = DateTimeOffset.UtcNow;
    }

    /// <summary>The name as first created (its case is kept; lookups fold it).</summary>
    public string Name { get; }

    public DateTimeOffset Created { get; }

    public string? Topic { get; set; }

    public string? TopicSetBy { get; set; }

    public DateTimeOffset TopicSetAt { get; set; }

    /// <summary>+n: only members may send to the room.</summary>
    public bool NoExternalMessages { get; set; } = true;

    /// <summary>+t: only operators may set the topic.</summary>
    public bool TopicLocked { get; set; } = true;

    /// <summary>+i: only invited users may join.</summary>
    public bool InviteOnly { get; set; }

    /// <summary>+m: only voiced members and operators may speak.</summary>
    public bool Moderated { get; set; }

    /// <summary>+s: hidden from LIST, NAMES and WHO for anyone not in it.</summary>
    public bool Secret { get; set; }

    /// <summary>+k: the key JOIN must give, or null.</summary>
    public string? Key { get; set; }

    /// <summary>+l: how many members the room admits by JOIN, or null.</summary>
    public int? Limit { get; set; }

    /// <summary>+b, in the order set.</summary>
    public IReadOnlyList<BanEntry> Bans => _bans;

    /// <summary>Who is in the room now; safe to read from any thread.</summary>
    public Client[] Members => Volatile.Read(ref _snapshot);

    public int Count => _members.Count;

    public bool Contains(Client client) => _members.ContainsKey(client);

    public MemberStatus StatusOf(Client client) => _members.GetValueOrDefault(client);

    public bool IsOperator(Client client) => StatusOf(client).HasFlag(MemberStatus.Operator);

    /// <summary>+v or +o: may speak when the room is moderated or the member banned.</summary>
    public bool HasVoice(Client client) => StatusOf(client) != MemberStatus.None;

    /// <summary>Whether any ban matches the client's nick!user@host.</summary>
    public bool IsBanned(Client client)
    {
        string prefix = client.Prefix;
        foreach (var ban in _bans)
        {
            if (Masks.Matches(ban.Mask, prefix))
            {
                return true;
            }
        }

        return false;
    }

    internal void Add(Client client, MemberStatus status)
    {
        _members[client] = status;
        Volatile.Write(ref _snapshot, [.. _members.Keys]);
    }

    internal bool Remove(Client client)
    {
        if (!_members.Remove(client))
        {
            return false;
        }

        Volatile.Write(ref _snapshot, [.. _members.Keys]);
        return true;
    }

    /// <summary>Gives or takes a status flag; false when the member already had it that way (or is not a member).</summary>
    internal bool SetStatus(Client client, MemberStatus flag, bool on)
    {
        if (!_members.TryGetValue(client, out var status))
        {
            return false;
        }

        var updated = on ? status | flag : status & ~flag;
        if (updated == status)
        {
            return false;
        }

        _members[client] = updated;
        return true;
    }

    /// <summary>Adds a normalised mask; false when an equal mask (ignoring case) is already there.</summary>
    internal bool AddBan(string mask, string setBy)
    {
        if (FindBan(mask) >= 0)
        {
            return false;
        }

        _bans.Add(new BanEntry(mask, setBy, DateTimeOffset.UtcNow));
        return true;
    }

    /// <summary>Removes the mask (ignoring case) and returns the stored spelling, or null when absent.</summary>
    internal string? RemoveBan(string mask)
    {
        int i = FindBan(mask);
        if (i < 0)
        {
            return null;
        }

        string stored = _bans[i].Mask;
        _bans.RemoveAt(i);
        return stored;
    }

    // Cluster hook: a room's bans as another node set them.
    internal void ReplaceBans(IEnumerable<BanEntry> bans)
    {
        _bans.Clear();
        _bans.AddRange(bans.Take(MaxBans));
    }

    private int FindBan(string mask) =>
        _bans.FindIndex(b => Core.Protocol.IrcCaseMapping.Equals(b.Mask, mask));

    /// <summary>"@" for operators, "+" for voiced members, "" otherwise: the highest prefix, as NAMES and WHO show it.</summary>
    public string PrefixOf(Client client) => StatusOf(client) switch
    {
        var s when s.HasFlag(MemberStatus.Operator) => "@",
        MemberStatus.Voice => "+",
        _ => "",
    };

    /// <summary>Every prefix the member has, highest first ("@+"), for multi-prefix clients.</summary>
    public string AllPrefixesOf(Client client)
    {
        var status = StatusOf(client);
        return (status.HasFlag(MemberStatus.Operator) ? "@" : "") + (status.HasFlag(MemberStatus.Voice) ? "+" : "");
    }

    /// <summary>The member's prefix as <paramref name="viewer"/> reads it: all of them with multi-prefix.</summary>
    public string PrefixFor(Client member, Client viewer) =>
        viewer.Has(Cap.MultiPrefix) ? AllPrefixesOf(member) : PrefixOf(member);

    /// <summary>
    /// The mode string and its parameters as RPL_CHANNELMODEIS gives them, e.g.
    /// ["+klnt", "secret", "10"]. The key is shown only when <paramref name="showKey"/>
    /// (to members); others see "*" in its place so the parameters still line up.
    /// </summary>
    public List<string> ModeParameters(bool showKey)
    {
        var letters = new System.Text.StringBuilder("+");
        var args = new List<string>();
        if (InviteOnly)
        {
            letters.Append('i');
        }

        if (Key is not null)
        {
            letters.Append('k');
            args.Add(showKey ? Key : "*");
        }

        if (Limit is { } limit)
        {
            letters.Append('l');
            args.Add(limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (Moderated)
        {
            letters.Append('m');
        }

        if (NoExternalMessages)
        {
            letters.Append('n');
        }

        if (Secret)
        {
            letters.Append('s');
        }

        if (TopicLocked)
        {
            letters.Append('t');
        }

        args.Insert(0, letters.ToString());
        return args;
    }
}
