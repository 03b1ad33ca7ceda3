using System.Net.Sockets;

namespace Chat.Core.Transport;

/// <summary>
/// Tells socket connections, once per request, that their socket has bytes to
/// read (or has closed): one epoll instance and one thread for the whole process,
/// Linux only. An idle connection waiting here costs a slot in a table and nothing
/// else, where .NET's own zero-byte receive keeps about 600 bytes per socket (the
/// socket's async context and its locks, the event args, the operation and its
/// callback). Reads and the first writes go through non-blocking recv/send with
/// MSG_DONTWAIT, so the socket never needs .NET's async machinery while idle.
/// </summary>
/// <remarks>
/// Sockets are added once, edge-triggered (EPOLLET), as .NET's own socket engine
/// does, so waiting again costs no system call; the connection keeps track of
/// whether its reader is running, waiting, or running and woken meanwhile (see
/// <see cref="LineConnection.WakeReader"/>), so one reader runs at a time and no
/// wake-up is lost. A registration carries the connection's slot and a
/// generation, so a wake-up for a connection that has since left is dropped
/// rather than handed to the slot's next owner.
/// </remarks>
internal sealed class SocketReadiness
{
    private const int EventsPerWait = 256;

    private readonly int _epoll;
    private readonly object _gate = new();
    private LineConnection?[] _slots = new LineConnection?[1024];
    private int[] _generations = new int[1024];
    private readonly Stack<int> _free = new();
    private int _used;

    private SocketReadiness(int epoll)
    {
        _epoll = epoll;
        var thread = new Thread(WaitLoop) { IsBackground = true, Name = "chat socket readiness" };
        thread.UnsafeStart();
    }

    /// <summary>
    /// The AppContext switch (runtimeconfig.json "configProperties") that turns this
    /// off, for comparing or working around: connections then wait on a .NET receive.
    /// </summary>
    public const string DisableSwitch = "Chat.Core.Transport.DisableEpoll";

    /// <summary>The process's one instance, or null where epoll is not there (or not laid out as we know it), or it is switched off.</summary>
    public static SocketReadiness? Instance { get; } = Create();

    private static SocketReadiness? Create()
    {
        if (AppContext.TryGetSwitch(DisableSwitch, out bool disabled) && disabled)
        {
            return null;
        }

        int epoll = Epoll.Create();
        return epoll < 0 ? null : new SocketReadiness(epoll);
    }

    /// <summary>A slot for <paramref name="connection"/>; its registration's key.</summary>
    public long Register(LineConnection connection)
    {
        lock (_gate)
        {
            if (!_free.TryPop(out int slot))
            {
                if (_used == _slots.Length)
                {
                    Array.Resize(ref _slots, _slots.Length * 2);
                    Array.Resize(ref _generations, _generations.Length * 2);
                }

                slot = _used++;
            }

            _slots[slot] = connection;
            return ((long)_generations[slot] << 32) | (uint)slot;
        }
    }

    /// <summary>Gives the slot back; a wake-up still on its way for it is dropped.</summary>
    public void Unregister(long key)
    {
        lock (_gate)
        {
            int slot = (int)(uint)key;
            if (_slots[slot] is not null && _generations[slot] == (int)(key >> 32))
            {
                _slots[slot] = null;
                _generations[slot]++;
                _free.Push(slot);
            }
        }
    }

    /// <summary>
    /// Adds the socket: from now on, each time bytes arrive (or it closes or fails),
    /// <see cref="LineConnection.WakeReader"/> is called. False when the socket is gone.
    /// </summary>
    public bool Add(SafeSocketHandle handle, long key) =>
        Epoll.Add(_epoll, handle, Epoll.In | Epoll.ReadHangUp | Epoll.EdgeTriggered, (ulong)key);

    [ThreadStatic]
    private static bool t_onReadinessThread;

    /// <summary>Whether this thread is the one waiting on the epoll.</summary>
    public static bool OnReadinessThread => t_onReadinessThread;

    private void WaitLoop()
    {
        t_onReadinessThread = true;
        var events = new Epoll.Event[EventsPerWait];
        while (true)
        {
            int n;
            try
            {
                n = Epoll.Wait(_epoll, events, -1);
            }
            catch (SocketException ex)
            {
                // Nothing sensible is left to do; connections then never wake, so say so loudly.
                Environment.FailFast("epoll_wait failed: " + ex.Message);
                return;
            }

            for (int i = 0; i < n; i++)
            {
                ulong key = events[i].Data;
                uint happened = events[i].Events;
                LineConnection? connection;
                lock (_gate)
                {
                    int slot = (int)(uint)key;
                    connection = slot < _used && _generations[slot] == (int)(key >> 32) ? _slots[slot] : null;
                }

                connection?.WakeReader(happened);
            }
        }
    }
}
