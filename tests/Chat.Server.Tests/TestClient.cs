using System.Net;
using System.Net.Sockets;
using System.Text;
using Chat.Core.Protocol;

namespace Chat.Server.Tests;

/// <summary>
/// A raw TCP client for tests: sends lines, reads lines with a timeout. Every
/// wait is bounded, so a test fails instead of hanging.
/// </summary>
public sealed class TestClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _pending = new();

    private TestClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public Socket Socket => _socket;

    /// <summary>Every line read so far, for failure messages.</summary>
    public List<string> Seen { get; } = new();

    /// <param name="receiveBuffer">A small value, set before connecting, makes a client that stops reading fill up fast.</param>
    public static async Task<TestClient> ConnectAsync(int port, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return new TestClient(socket);
    }

    public void Send(string line) => SendBytes(Encoding.UTF8.GetBytes(line + "\r\n"));

    public void SendBytes(byte[] bytes) => _stream.Write(bytes);

    public async Task RegisterAsync(string nick)
    {
        Send($"NICK {nick}");
        Send($"USER {nick} 0 * :{nick} test");
        await ExpectAsync(m => m.Command == "376" || m.Command == "422");
    }

    /// <summary>Reads one line (without CR LF); null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var data = _pending.GetBuffer().AsSpan(0, (int)_pending.Length);
            int nl = data.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                string line = Encoding.UTF8.GetString(data[..nl]).TrimEnd('\r');
                var rest = data[(nl + 1)..].ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                Seen.Add(line);
                return line;
            }

            int n;
            try
            {
                n = await _stream.ReadAsync(_buffer, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("No line within the timeout. Seen:\n" + string.Join("\n", Seen.TakeLast(30)));
            }
            catch (IOException)
            {
                return null;
            }

            if (n == 0)
            {
                return null;
            }

            _pending.Write(_buffer, 0, n);
        }
    }

    /// <summary>Reads lines until one matches; fails on timeout or when the connection closes.</summary>
    public async Task<string> ExpectLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("Expected line not seen. Seen:\n" + string.Join("\n", Seen.TakeLast(30)));
            }

            string? line = await ReadLineAsync(left);
            if (line is null)
            {
                throw new InvalidOperationException("Connection closed before the expected line. Seen:\n" + string.Join("\n", Seen.TakeLast(30)));
            }

            if (match(line))
            {
                return line;
            }
        }
    }

    /// <summary>Reads IRC messages until one matches.</summary>
    public async Task<IrcMessage> ExpectAsync(Func<IrcMessage, bool> match, TimeSpan? timeout = null)
    {
        string line = await ExpectLineAsync(l => IrcParser.TryParse(Encoding.UTF8.GetBytes(l), out var m) == IrcParseError.None && match(m!), timeout);
        return IrcParser.Parse(line);
    }

    /// <summary>Reads until the server closes the connection; returns the lines read on the way.</summary>
    public async Task<List<string>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("Connection not closed. Seen:\n" + string.Join("\n", Seen.TakeLast(30)));
            }

            string? line = await ReadLineAsync(left);
            if (line is null)
            {
                return lines;
            }

            lines.Add(line);
        }
    }

    /// <summary>Asserts that nothing arrives for a short while.</summary>
    public async Task ExpectSilenceAsync(TimeSpan period)
    {
        try
        {
            string? line = await ReadLineAsync(period);
            Assert.Fail($"Expected silence but got: {line}");
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Drops the connection without a QUIT; with <paramref name="reset"/> the peer sees a RST.</summary>
    public void Abort(bool reset)
    {
        if (reset)
        {
            _socket.LingerState = new LingerOption(true, 0);
        }

        _socket.Close();
    }

    public void Dispose() => _stream.Dispose();
}
