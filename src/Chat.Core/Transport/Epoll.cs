using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Chat.Core.Transport;

/// <summary>
/// Linux's epoll and non-blocking recv/send on a socket's descriptor, for code
/// that waits on many sockets itself instead of through .NET's socket engine:
/// the server's idle connections (<see cref="SocketReadiness"/>) and `chat bench`'s
/// single-threaded load generator. x64 only, where epoll_event is packed as
/// <see cref="Event"/> mirrors it.
/// </summary>
public static class Epoll
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint ReadHangUp = 0x2000;
    public const uint EdgeTriggered = 1u << 31;

    private const int EPOLL_CTL_ADD = 1;
    private const int EPOLL_CTL_DEL = 2;
    private const int EPOLL_CTL_MOD = 3;
    private const int EPOLL_CLOEXEC = 0x80000;
    private const int MSG_DONTWAIT = 0x40;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int EINTR = 4;
    private const int EAGAIN = 11;

    /// <summary>True on Linux x64, where these calls work as declared.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>A new epoll instance's descriptor, or -1 (epoll is not there).</summary>
    public static int Create()
    {
        if (!IsSupported)
        {
            return -1;
        }

        try
        {
            return epoll_create1(EPOLL_CLOEXEC);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    /// <summary>Closes an epoll instance made by <see cref="Create"/>.</summary>
    public static void Close(int epoll)
    {
        if (epoll >= 0)
        {
            close(epoll);
        }
    }

    /// <summary>Starts watching the socket for <paramref name="events"/>, tagged with <paramref name="data"/>. False when the socket is gone.</summary>
    public static bool Add(int epoll, SafeSocketHandle handle, uint events, ulong data) => Control(epoll, EPOLL_CTL_ADD, handle, events, data);

    /// <summary>Changes what the socket is watched for.</summary>
    public static bool Modify(int epoll, SafeSocketHandle handle, uint events, ulong data) => Control(epoll, EPOLL_CTL_MOD, handle, events, data);

    /// <summary>Stops watching the socket (closing it does too).</summary>
    public static bool Remove(int epoll, SafeSocketHandle handle) => Control(epoll, EPOLL_CTL_DEL, handle, 0, 0);

    private static bool Control(int epoll, int op, SafeSocketHandle handle, uint events, ulong data)
    {
        bool release = false;
        try
        {
            handle.DangerousAddRef(ref release);
            var ev = new Event { Events = events, Data = data };
            return epoll_ctl(epoll, op, (int)handle.DangerousGetHandle(), ref ev) == 0;
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

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> (-1: for ever) for events; returns how
    /// many were stored, 0 on timeout or a signal. Fails on any other error.
    /// </summary>
    public static int Wait(int epoll, Event[] events, int timeoutMs)
    {
        int n = epoll_wait(epoll, events, events.Length, timeoutMs);
        if (n >= 0)
        {
            return n;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == EINTR ? 0 : throw new SocketException(errno);
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

    /// <summary>One epoll_event: what happened and the tag the socket was added with.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct Event
    {
        public uint Events;
        public ulong Data;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, ref Event ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epfd, [Out] Event[] events, int maxevents, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern nint recv(int fd, ref byte buffer, nint length, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint send(int fd, in byte buffer, nint length, int flags);
}
