using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Bench;

/// <summary>
/// A lean IRC connection for load generation: registers, answers PING, and hands
/// every other line to a callback as bytes. No parsing beyond what a scenario needs.
/// </summary>
public sealed class BenchClient : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer;
    private int _filled;

    private BenchClient(Socket socket, int bufferSize)
    {
        _socket = socket;
        _buffer = new byte[bufferSize];
    }

    public string Nick { get; private set; } = "";

    /// <summary>Connects from a loopback source address and registers as <paramref name="nick"/>.</summary>
    public static async Task<BenchClient> ConnectAsync(BenchOptions options, int index, string nick, int bufferSize, CancellationToken cancel)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            DeferPortChoice(socket);
            socket.Bind(new IPEndPoint(options.SourceAddress(index), 0));
            await socket.ConnectAsync(options.Host, options.PortFor(index), cancel).ConfigureAwait(false);
            var client = new BenchClient(socket, bufferSize) { Nick = nick };
            await client.SendAsync(Encoding.ASCII.GetBytes($"NICK {nick}\r\nUSER {nick} 0 * :bench\r\n")).ConfigureAwait(false);
            await client.ReadUntilAsync(" 001 ", cancel).ConfigureAwait(false);
            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Binding a source address picks the local port at bind time, and Linux then
    /// searches every port bound on that address: with thousands of clients that
    /// search took 80% of the generator's CPU and delayed connects by seconds.
    /// IP_BIND_ADDRESS_NO_PORT leaves the port to connect, which looks up the
    /// four-tuple directly.
    /// </summary>
    internal static void DeferPortChoice(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const int SolIp = 0;
        const int IpBindAddressNoPort = 24;
        try
        {
            socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
        }
        catch (SocketException)
        {
            // An older kernel: ports are chosen at bind, as before.
        }
    }

    /// <summary>Sends all the bytes; a server that stops reading ends the wait at <paramref name="cancel"/>.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancel = default)
    {
        while (!bytes.IsEmpty)
        {
            int sent = await _socket.SendAsync(bytes, SocketFlags.None, cancel).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Reads until a line containing <paramref name="marker"/>; fails on 432/433 or a closed connection.</summary>
    public async Task ReadUntilAsync(string marker, CancellationToken cancel)
    {
        byte[] wanted = Encoding.ASCII.GetBytes(marker);
        bool found = false;
        while (!found)
        {
            await ReadSomeAsync(line =>
            {
                if (line.IndexOf(wanted) >= 0)
                {
                    found = true;
                }
                else if (IsRefusal(line))
                {
                    throw new InvalidOperationException("Registration refused: " + Encoding.UTF8.GetString(line));
                }
            }, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>The answer to a "PING token" line: "PONG token" and its line end.</summary>
    internal static byte[] Pong(ReadOnlySpan<byte> ping)
    {
        var pong = new byte[ping.Length + 2];
        "PONG"u8.CopyTo(pong);
        ping[4..].CopyTo(pong.AsSpan(4));
        pong[^2] = (byte)'\r';
        pong[^1] = (byte)'\n';
        return pong;
    }

    /// <summary>
    /// 432/433 (nick refused) as the line's command, or ERROR. Only the command
    /// counts: "251 ... :There are 433 users" is not a refusal.
    /// </summary>
    internal static bool IsRefusal(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("ERROR"u8))
        {
            return true;
        }

        if (line.StartsWith(":"u8))
        {
            int space = line.IndexOf((byte)' ');
            if (space < 0)
            {
                return false;
            }

            line = line[(space + 1)..];
        }

        return line.StartsWith("433 "u8) || line.StartsWith("432 "u8);
    }

    /// <summary>Receives until cancelled or closed, handing each line to <paramref name="onLine"/>.</summary>
    public async Task RunAsync(LineHandler onLine, CancellationToken cancel)
    {
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                if (!await ReadSomeAsync(onLine, cancel).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    public delegate void LineHandler(ReadOnlySpan<byte> line);

    /// <summary>One receive; returns false when the server closed the connection.</summary>
    private async Task<bool> ReadSomeAsync(LineHandler onLine, CancellationToken cancel)
    {
        if (_filled == _buffer.Length)
        {
            // A line longer than the buffer: drop it, the scenarios never need one.
            _filled = 0;
        }

        int n = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancel).ConfigureAwait(false);
        if (n == 0)
        {
            return false;
        }

        _filled += n;
        int start = 0;
        List<byte[]>? pongs = null;
        while (true)
        {
            int nl = _buffer.AsSpan(start, _filled - start).IndexOf((byte)'\n');
            if (nl < 0)
            {
                break;
            }

            var line = _buffer.AsSpan(start, nl);
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.StartsWith("PING "u8))
            {
                (pongs ??= new()).Add(Pong(line));
            }
            else
            {
                onLine(line);
            }

            start += nl + 1;
        }

        _buffer.AsSpan(start, _filled - start).CopyTo(_buffer);
        _filled -= start;
        if (pongs is not null)
        {
            foreach (var pong in pongs)
            {
                await SendAsync(pong).ConfigureAwait(false);
            }
        }

        return true;
    }

    public void Dispose() => _socket.Dispose();
}
