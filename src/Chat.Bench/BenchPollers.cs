using System.Net.Sockets;
using Chat.Core.Transport;

namespace Chat.Bench;

/// <summary>A socket that is ready: bytes (or its end) to read, room to write, or both.</summary>
internal readonly record struct Ready(LoopClient Client, bool Readable, bool Writable);

/// <summary>What a <see cref="BenchLoop"/> waits with, and how it reads and writes without blocking.</summary>
internal interface IBenchPoller : IDisposable
{
    string Name { get; }

    void Add(LoopClient client);

    /// <summary>Turns waiting for room to write on or off (reads are always watched).</summary>
    void WantWrite(LoopClient client, bool on);

    void Remove(LoopClient client);

    /// <summary>Fills <paramref name="ready"/>; returns how many, 0 after <paramref name="timeoutMs"/>.</summary>
    int Wait(Ready[] ready, int timeoutMs);

    int Receive(Socket socket, Span<byte> buffer, out SocketError error);

    int Send(Socket socket, ReadOnlySpan<byte> bytes, out SocketError error);
}

/// <summary>
/// Level-triggered epoll over the sockets' descriptors (Linux x64), with
/// MSG_DONTWAIT receives and sends: the sockets stay blocking for .NET, which
/// never registers them with its own engine.
/// </summary>
internal sealed class EpollPoller : IBenchPoller
{
    private readonly int _epoll;
    private readonly List<LoopClient> _clients;
    private Epoll.Event[] _events = [];

    private EpollPoller(int epoll, List<LoopClient> clients)
    {
        _epoll = epoll;
        _clients = clients;
    }

    /// <summary>An epoll poller over the loop's clients (tagged by their index), or null where there is no epoll.</summary>
    public static EpollPoller? TryCreate(List<LoopClient> clients)
    {
        int epoll = Epoll.Create();
        return epoll < 0 ? null : new EpollPoller(epoll, clients);
    }

    public string Name => "epoll";

    public void Add(LoopClient client)
    {
        if (!Epoll.Add(_epoll, client.Socket.SafeHandle, Epoll.In | Epoll.ReadHangUp, (ulong)client.Index))
        {
            throw new SocketException((int)SocketError.NotSocket);
        }
    }

    public void WantWrite(LoopClient client, bool on)
    {
        if (client.WatchingWrites != on)
        {
            client.WatchingWrites = on;
            Epoll.Modify(_epoll, client.Socket.SafeHandle, Epoll.In | Epoll.ReadHangUp | (on ? Epoll.Out : 0), (ulong)client.Index);
        }
    }

    public void Remove(LoopClient client) => Epoll.Remove(_epoll, client.Socket.SafeHandle);

    public int Wait(Ready[] ready, int timeoutMs)
    {
        if (_events.Length != ready.Length)
        {
            _events = new Epoll.Event[ready.Length];
        }

        int n = Epoll.Wait(_epoll, _events, timeoutMs);
        for (int i = 0; i < n; i++)
        {
            uint events = _events[i].Events;
            ready[i] = new Ready(
                _clients[(int)_events[i].Data],
                (events & (Epoll.In | Epoll.ReadHangUp | Epoll.HangUp | Epoll.Error)) != 0,
                (events & Epoll.Out) != 0);
        }

        return n;
    }

    public int Receive(Socket socket, Span<byte> buffer, out SocketError error) => Epoll.Receive(socket.SafeHandle, buffer, out error);

    public int Send(Socket socket, ReadOnlySpan<byte> bytes, out SocketError error) => Epoll.Send(socket.SafeHandle, bytes, out error);

    public void Dispose() => Epoll.Close(_epoll);
}

/// <summary>
/// Socket.Select over every open client, for systems without epoll: correct, and
/// slower per wake-up as clients grow (it lists them all each time).
/// </summary>
internal sealed class SelectPoller(List<LoopClient> clients) : IBenchPoller
{
    private readonly List<Socket> _readable = [];
    private readonly List<Socket> _writable = [];
    private readonly Dictionary<Socket, LoopClient> _bySocket = [];

    public string Name => "select";

    public void Add(LoopClient client)
    {
        client.Socket.Blocking = false;
        _bySocket[client.Socket] = client;
    }

    public void WantWrite(LoopClient client, bool on) => client.WatchingWrites = on;

    public void Remove(LoopClient client) => _bySocket.Remove(client.Socket);

    public int Wait(Ready[] ready, int timeoutMs)
    {
        _readable.Clear();
        _writable.Clear();
        foreach (var client in clients)
        {
            if (client.IsOpen && _bySocket.ContainsKey(client.Socket))
            {
                _readable.Add(client.Socket);
                if (client.WatchingWrites)
                {
                    _writable.Add(client.Socket);
                }
            }
        }

        if (_readable.Count == 0)
        {
            Thread.Sleep(Math.Max(0, timeoutMs));
            return 0;
        }

        Socket.Select(_readable, _writable.Count > 0 ? _writable : null, null, Math.Max(0, timeoutMs) * 1000);
        int n = 0;
        foreach (var socket in _readable)
        {
            if (n < ready.Length)
            {
                var client = _bySocket[socket];
                ready[n++] = new Ready(client, true, _writable.Remove(socket));
            }
        }

        foreach (var socket in _writable)
        {
            if (n < ready.Length)
            {
                ready[n++] = new Ready(_bySocket[socket], false, true);
            }
        }

        return n;
    }

    public int Receive(Socket socket, Span<byte> buffer, out SocketError error) => socket.Receive(buffer, SocketFlags.None, out error);

    public int Send(Socket socket, ReadOnlySpan<byte> bytes, out SocketError error) => socket.Send(bytes, SocketFlags.None, out error);

    public void Dispose()
    {
    }
}
