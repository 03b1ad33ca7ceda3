using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Chat.Core.Transport;

namespace Chat.Core.Tests;

/// <summary>A connected pair of loopback TCP sockets: the server side and a raw peer.</summary>
internal sealed class LoopbackPair : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private LoopbackPair(Socket server, Socket peer)
    {
        Server = server;
        Peer = peer;
        PeerStream = new NetworkStream(peer, ownsSocket: false);
    }

    public Socket Server { get; }

    public Socket Peer { get; }

    public NetworkStream PeerStream { get; }

    /// <summary>Connects a pair on an ephemeral port; <paramref name="bufferSize"/> shrinks both sockets' kernel buffers.</summary>
    public static async Task<LoopbackPair> ConnectAsync(int? bufferSize = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (bufferSize is int size)
        {
            // Set before connecting, so the TCP window is negotiated with them; accepted sockets inherit the listener's.
            Shrink(listener, size);
            Shrink(peer, size);
        }

        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var accept = listener.AcceptAsync();
        await peer.ConnectAsync(listener.LocalEndPoint!).WaitAsync(Timeout);
        var server = await accept.WaitAsync(Timeout);
        if (bufferSize is int again)
        {
            Shrink(server, again);
        }

        return new LoopbackPair(server, peer);
    }

    private static void Shrink(Socket socket, int size)
    {
        socket.ReceiveBufferSize = size;
        socket.SendBufferSize = size;
    }

    public Task SendAsync(string text) => PeerStream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask().WaitAsync(Timeout);

    /// <summary>Everything the peer receives until the server side closes.</summary>
    public async Task<string> ReadToEndAsync()
    {
        var all = new MemoryStream();
        await PeerStream.CopyToAsync(all).WaitAsync(Timeout);
        return Encoding.UTF8.GetString(all.ToArray());
    }

    public void Dispose()
    {
        PeerStream.Dispose();
        Peer.Dispose();
        Server.Dispose();
    }
}

/// <summary>A socket connection over its own loopback pair, already running with a handler; disposing ends both.</summary>
internal sealed class RunningConnection : IAsyncDisposable
{
    private RunningConnection(LoopbackPair pair, LineConnection connection, Task<string> run)
    {
        Pair = pair;
        Connection = connection;
        Run = run;
    }

    public LoopbackPair Pair { get; }

    public LineConnection Connection { get; }

    /// <summary>The connection's <see cref="LineConnection.RunAsync"/>: ends with the reason it closed.</summary>
    public Task<string> Run { get; }

    public static async Task<RunningConnection> StartAsync(ILineHandler handler, ConnectionOptions? options = null)
    {
        var pair = await LoopbackPair.ConnectAsync();
        var connection = LineConnection.FromSocket(pair.Server, options);
        return new RunningConnection(pair, connection, connection.RunAsync(handler));
    }

    /// <summary>For <c>var (pair, connection, run) = running;</c> (the disposal stays with this object).</summary>
    public void Deconstruct(out LoopbackPair pair, out LineConnection connection, out Task<string> run)
    {
        pair = Pair;
        connection = Connection;
        run = Run;
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        Pair.Dispose();
    }
}

/// <summary>Records what a <see cref="LineConnection"/> hands its handler.</summary>
internal sealed class RecordingHandler : ILineHandler
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private int _tooLong;

    public int TooLongCount => Volatile.Read(ref _tooLong);

    public ValueTask OnLineAsync(ReadOnlySequence<byte> line)
    {
        // The bytes are only valid during the call: copy them out.
        _lines.Writer.TryWrite(Encoding.UTF8.GetString(line));
        return ValueTask.CompletedTask;
    }

    public void OnLineTooLong() => Interlocked.Increment(ref _tooLong);

    public async Task<string> NextAsync() =>
        await _lines.Reader.ReadAsync().AsTask().WaitAsync(LoopbackPair.Timeout);

    public async Task<List<string>> NextAsync(int count)
    {
        var lines = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            lines.Add(await NextAsync());
        }

        return lines;
    }

    /// <summary>Lines received so far and not yet taken.</summary>
    public List<string> Drain()
    {
        var lines = new List<string>();
        while (_lines.Reader.TryRead(out var line))
        {
            lines.Add(line);
        }

        return lines;
    }
}
