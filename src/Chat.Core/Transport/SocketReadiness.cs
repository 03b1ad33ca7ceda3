using System.Net.Sockets;
using System.Runtime.InteropServices;

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
    private const int EPOLL_CTL_ADD = 1;
    private const uint EPOLLIN = 0x001;
    private const uint EPOLLRDHUP = 0x2000;
    private const uint EPOLLET = 1u << 31;
    private const int EPOLL_CLOEXEC = 0x80000;
    private const int MSG_DONTWAIT = 0x40;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int EINTR = 4;
    private const int EAGAIN = 11;
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
        // x64 only: its epoll_event is packed (events at 0, data at 4), which EpollEvent mirrors.
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64
            || (AppContext.TryGetSwitch(DisableSwitch, out bool disabled) && disabled))
        {
            return null;
        }

        try
        {
            int epoll = epoll_create1(EPOLL_CLOEXEC);
            return epoll < 0 ? null : new SocketReadiness(epoll);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
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
    public bool Add(SafeSocketHandle handle, long key)
    {
        bool release = false;
        try
        {
            handle.DangerousAddRef(ref release);
            var ev = new EpollEvent { Events = EPOLLIN | EPOLLRDHUP | EPOLLET, Data = (ulong)key };
            return epoll_ctl(_epoll, EPOLL_CTL_ADD, (int)handle.DangerousGetHandle(), ref ev) == 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (release)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>A non-blocking receive: bytes read, 0 at the end, or the error (WouldBlock when there is nothing yet).</summary>
    public static int Receive(SafeSocketHandle handle, Span<byte> buffer, out SocketError error) =>
        Transfer(handle, ref MemoryMarshal.GetReference(buffer), buffer.Length, sending: false, out error);

    /// <summary>A non-blocking send: bytes sent (maybe fewer than given), or the error (WouldBlock when none fit).</summary>
    public static int Send(SafeSocketHandle handle, ReadOnlySpan<byte> bytes, out SocketError error) =>
        Transfer(handle, ref MemoryMarshal.GetReference(bytes), bytes.Length, sending: true, out error);

    /// <summary>One non-blocking recv or send on the socket, held open meanwhile, tried again when a signal interrupts it.</summary>
    private static int Transfer(SafeSocketHandle handle, ref byte buffer, int length, bool sending, out SocketError error)
    {
        bool release = false;
        try
        {
            handle.DangerousAddRef(ref release);
            int fd = (int)handle.DangerousGetHandle();
            while (true)
            {
                nint n = sending
                    ? send(fd, in buffer, length, MSG_DONTWAIT | MSG_NOSIGNAL)
                    : recv(fd, ref buffer, length, MSG_DONTWAIT);

                if (n >= 0)
                {
                    error = SocketError.Success;
                    return (int)n;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    error = ToSocketError(errno);
                    return 0;
                }
            }
        }
        finally
        {
            if (release)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static SocketError ToSocketError(int errno) => errno switch
    {
        EAGAIN => SocketError.WouldBlock,
        104 => SocketError.ConnectionReset,
        103 => SocketError.ConnectionAborted,
        110 => SocketError.TimedOut,
        32 => SocketError.Shutdown,
        107 => SocketError.NotConnected,
        9 => SocketError.OperationAborted,
        _ => SocketError.SocketError,
    };

    private void WaitLoop()
    {
        var events = new EpollEvent[EventsPerWait];
        while (true)
        {
            int n = epoll_wait(_epoll, events, EventsPerWait, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == EINTR)
                {
                    continue;
                }

                // Nothing sensible is left to do; connections then never wake, so say so loudly.
                Environment.FailFast("epoll_wait failed: errno " + Marshal.GetLastPInvokeError());
            }

            for (int i = 0; i < n; i++)
            {
                ulong key = events[i].Data;
                LineConnection? connection;
                lock (_gate)
                {
                    int slot = (int)(uint)key;
                    connection = slot < _used && _generations[slot] == (int)(key >> 32) ? _slots[slot] : null;
                }

                connection?.WakeReader();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, ref EpollEvent ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epfd, [Out] EpollEvent[] events, int maxevents, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern nint recv(int fd, ref byte buffer, nint length, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint send(int fd, in byte buffer, nint length, int flags);
}
