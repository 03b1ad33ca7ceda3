namespace Chat.Server;

/// <summary>
/// A room. Membership and modes change only under <see cref="ServerState.Gate"/>;
/// <see cref="Members"/> is an immutable snapshot that broadcasts read without it.
/// </summary>
public sealed class Channel
{
    private readonly Dictionary<Client, bool> _members = new();
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

    /// <summary>Who is in the room now; safe to read from any thread.</summary>
    public Client[] Members => Volatile.Read(ref _snapshot);

    public int Count => _members.Count;

    public bool Contains(Client client) => _members.ContainsKey(client);

    public bool IsOperator(Client client) => _members.TryGetValue(client, out bool op) && op;

    internal void Add(Client client, bool op)
    {
        _members[client] = op;
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

    internal void SetOperator(Client client, bool op)
    {
        if (_members.ContainsKey(client))
        {
            _members[client] = op;
        }
    }

    /// <summary>"@nick" for operators, "nick" otherwise, as NAMES shows it.</summary>
    public string NameWithPrefix(Client client) => IsOperator(client) ? "@" + client.Nick : client.Nick!;

    public string ModeString => "+" + (NoExternalMessages ? "n" : "") + (TopicLocked ? "t" : "");
}
