using System.Buffers;
using Chat.Core.Protocol;

namespace Chat.Server;

/// <summary>
/// The shared state of one server: connections, nicks, rooms and memberships.
/// </summary>
/// <remarks>
/// Lock discipline: every change to nicks, rooms or memberships, and every read
/// that must see them consistently, happens while holding <see cref="Gate"/>.
/// Queueing a line for a client never blocks (see LineConnection.Send), so
/// announcements are queued under the gate, which keeps everyone's view of a
/// room in one order. Broadcasts of plain messages read <see cref="Channel.Members"/>
/// snapshots and take no lock. Pending invitations (INVITE) are kept here, per
/// invitee, and the WHOWAS history is written when a nick is released, so both
/// are only touched under the gate too. No other lock is ever taken while
/// holding the gate, except the cluster's queue lock (Cluster/ClusterNode), a
/// leaf that guards an in-memory queue and never waits on anything.
/// Users of other cluster nodes live here too, as clients without a connection
/// (<see cref="Client.IsRemote"/>), changed only by the cluster under the gate.
/// </remarks>
public sealed class ServerState
{
    private readonly Dictionary<string, Client> _nicks = new(IrcCaseMapping.Comparer);
    private readonly Dictionary<string, Channel> _channels = new(IrcCaseMapping.Comparer);
    private readonly HashSet<Client> _clients = new();
    private readonly Dictionary<Client, List<Channel>> _invites = new();

    /// <summary>Pending invitations one client may hold; inviting past this forgets the oldest.</summary>
    public const int MaxInvitesPerClient = 20;

    public object Gate { get; } = new();

    /// <summary>Departed nicks for WHOWAS; read and written under <see cref="Gate"/>.</summary>
    public WhowasHistory Whowas { get; } = new();

    public int ClientCount
    {
        get
        {
            lock (Gate)
            {
                return _clients.Count;
            }
        }
    }

    // Counted as they change rather than by walking every client: the welcome
    // burst (LUSERS) reads them at each registration, and a walk there made
    // registering cost O(clients), seconds at a 1,000/s ramp into 19,500 clients.
    private int _registered;
    private int _operators;

    public int RegisteredCount => Volatile.Read(ref _registered);

    /// <summary>Clients with user mode +o.</summary>
    public int OperatorCount => Volatile.Read(ref _operators);

    /// <summary>A client in the state has just registered.</summary>
    internal void CountRegistered() => Interlocked.Increment(ref _registered);

    /// <summary>A client's +o has just been given or taken.</summary>
    internal void CountOperator(bool on) => Interlocked.Add(ref _operators, on ? 1 : -1);

    public int ChannelCount
    {
        get
        {
            lock (Gate)
            {
                return _channels.Count;
            }
        }
    }

    public Client[] ClientsSnapshot()
    {
        lock (Gate)
        {
            return [.. _clients];
        }
    }

    /// <summary>
    /// The clients now, for a walk over all of them without the gate (the timer's,
    /// each tick): the array is rented from the shared pool and given back on
    /// dispose, so a large server does not make a large-object array every second.
    /// </summary>
    internal RentedClients RentClients()
    {
        lock (Gate)
        {
            var array = ArrayPool<Client>.Shared.Rent(_clients.Count);
            _clients.CopyTo(array);
            return new RentedClients(array, _clients.Count);
        }
    }

    /// <summary>See <see cref="RentClients"/>.</summary>
    internal readonly struct RentedClients(Client[] array, int count) : IDisposable
    {
        public ReadOnlySpan<Client> Span => array.AsSpan(0, count);

        public void Dispose()
        {
            if (array.Length > 0)
            {
                ArrayPool<Client>.Shared.Return(array, clearArray: true);
            }
        }
    }

    internal void AddClient(Client client)
    {
        lock (Gate)
        {
            _clients.Add(client);
        }
    }

    /// <summary>Finds a client by nick (case-insensitively). Call under the gate when the answer must stay true.</summary>
    public Client? FindNick(string nick)
    {
        lock (Gate)
        {
            return _nicks.GetValueOrDefault(nick);
        }
    }

    public Channel? FindChannel(string name)
    {
        lock (Gate)
        {
            return _channels.GetValueOrDefault(name);
        }
    }

    /// <summary>
    /// Gives <paramref name="client"/> the nick, releasing its old one, unless
    /// someone else holds it. A change of case of one's own nick is allowed.
    /// </summary>
    internal bool TryClaimNick(Client client, string nick)
    {
        lock (Gate)
        {
            if ((_nicks.TryGetValue(nick, out var holder) && holder != client) || Accounts.NickServ.IsServiceNick(nick))
            {
                return false;
            }

            if (client.Nick is not null)
            {
                Whowas.Record(client);
                _nicks.Remove(client.Nick);
            }

            _nicks[nick] = client;
            client.Nick = nick;
            return true;
        }
    }

    /// <summary>Under the gate: everyone holding a nick, users of other cluster nodes included.</summary>
    internal IEnumerable<Client> NickHolders => _nicks.Values;

    /// <summary>Under the gate: every room, in no particular order.</summary>
    internal IEnumerable<Channel> Channels => _channels.Values;

    /// <summary>Under the gate: whether the room is the live one of its name (not one dropped since).</summary>
    internal bool IsLive(Channel channel) => _channels.TryGetValue(channel.Name, out var live) && live == channel;

    /// <summary>Under the gate: remembers that <paramref name="client"/> may join the room despite +i.</summary>
    internal void AddInvite(Client client, Channel channel)
    {
        if (!_invites.TryGetValue(client, out var list))
        {
            list = new List<Channel>();
            _invites[client] = list;
        }

        list.RemoveAll(c => c == channel || !IsLive(c));
        if (list.Count >= MaxInvitesPerClient)
        {
            list.RemoveAt(0);
        }

        list.Add(channel);
    }

    /// <summary>Under the gate: whether the client holds an invitation to this room.</summary>
    internal bool IsInvited(Client client, Channel channel) =>
        _invites.TryGetValue(client, out var list) && list.Contains(channel);

    /// <summary>Under the gate: uses up an invitation (a JOIN consumes it).</summary>
    internal void RemoveInvite(Client client, Channel channel)
    {
        if (_invites.TryGetValue(client, out var list) && list.Remove(channel) && list.Count == 0)
        {
            _invites.Remove(client);
        }
    }

    /// <summary>Under the gate: the live rooms the client is invited to, oldest first.</summary>
    internal List<Channel> InvitesOf(Client client) =>
        _invites.TryGetValue(client, out var list) ? list.Where(IsLive).ToList() : [];

    /// <summary>Under the gate: the room, created if it does not exist.</summary>
    internal Channel GetOrCreateChannel(string name, out bool created)
    {
        created = !_channels.TryGetValue(name, out var channel);
        if (created)
        {
            channel = new Channel(name);
            _channels[name] = channel;
        }

        return channel!;
    }

    /// <summary>Under the gate: forgets a room nobody is in.</summary>
    internal void DropIfEmpty(Channel channel)
    {
        if (channel.Count == 0)
        {
            _channels.Remove(channel.Name);
        }
    }

    /// <summary>Everyone who shares at least one room with <paramref name="client"/>, not counting itself.</summary>
    public HashSet<Client> RoomMates(Client client)
    {
        lock (Gate)
        {
            var mates = new HashSet<Client>();
            foreach (var channel in client.Channels)
            {
                foreach (var member in channel.Members)
                {
                    if (member != client)
                    {
                        mates.Add(member);
                    }
                }
            }

            return mates;
        }
    }

    /// <summary>Under the gate: removes a client from everything and returns who shared a room with it.</summary>
    internal HashSet<Client> Remove(Client client)
    {
        var peers = new HashSet<Client>();
        if (_clients.Remove(client))
        {
            if (client.IsRegistered)
            {
                Interlocked.Decrement(ref _registered);
            }

            if (client.IsOperator)
            {
                Interlocked.Decrement(ref _operators);
            }
        }

        _invites.Remove(client);
        if (client.Nick is not null && _nicks.TryGetValue(client.Nick, out var holder) && holder == client)
        {
            Whowas.Record(client);
            _nicks.Remove(client.Nick);
        }

        foreach (var channel in client.Channels)
        {
            channel.Remove(client);
            foreach (var member in channel.Members)
            {
                peers.Add(member);
            }

            DropIfEmpty(channel);
        }

        client.Channels.Clear();
        return peers;
    }
}
