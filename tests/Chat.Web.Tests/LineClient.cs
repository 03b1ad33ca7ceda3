using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Chat.Core.Protocol;

namespace Chat.Web.Tests;

/// <summary>
/// A test IRC client over TCP, TLS or a WebSocket: sends lines, reads lines, every
/// wait bounded. Over a WebSocket each message is one line.
/// </summary>
public sealed class LineClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Stream? _stream;
    private readonly ClientWebSocket? _socket;
    private readonly StreamReader? _reader;

    private LineClient(Stream stream)
    {
        _stream = stream;
        _reader = new StreamReader(stream, new UTF8Encoding(false));
    }

    private LineClient(ClientWebSocket socket)
    {
        _socket = socket;
    }

    public List<string> Seen { get; } = new();

    /// <summary>The subprotocol the server chose (WebSocket only).</summary>
    public string? Subprotocol => _socket?.SubProtocol;

    /// <summary>The type of the last WebSocket message read.</summary>
    public WebSocketMessageType LastMessageType { get; private set; }

    public static async Task<LineClient> TcpAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        return new LineClient(client.GetStream());
    }

    public static async Task<LineClient> TlsAsync(int port, RemoteCertificateValidationCallback? validate = null)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        var tls = new SslStream(client.GetStream(), false, validate ?? ((_, _, _, _) => true));
        using var limit = new CancellationTokenSource(Timeout);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, limit.Token);
        return new LineClient(tls);
    }

    public static async Task<LineClient> WebSocketAsync(Uri url, string? origin = null, params string[] subprotocols)
    {
        var socket = new ClientWebSocket();
        foreach (var p in subprotocols)
        {
            socket.Options.AddSubProtocol(p);
        }

        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var limit = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(url, limit.Token);
        return new LineClient(socket);
    }

    public async Task SendAsync(string line)
    {
        if (_socket is not null)
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(line), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        else
        {
            await _stream!.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
            await _stream.FlushAsync();
        }
    }

    public async Task RegisterAsync(string nick, bool capLs = false)
    {
        if (capLs)
        {
            await SendAsync("CAP LS 302");
        }

        await SendAsync($"NICK {nick}");
        await SendAsync($"USER {nick} 0 * :{nick}");
        if (capLs)
        {
            await SendAsync("CAP END");
        }

        await ExpectAsync(m => m.Command is "376" or "422");
    }

    /// <summary>One line, or null when the peer closed.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            string? line;
            if (_socket is not null)
            {
                var buffer = new byte[16 * 1024];
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, limit.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return null;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                LastMessageType = result.MessageType;
                line = Encoding.UTF8.GetString(message.ToArray());
            }
            else
            {
                line = await _reader!.ReadLineAsync(limit.Token);
            }

            if (line is not null)
            {
                Seen.Add(line);
            }

            return line;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No line in time. Seen:\n" + string.Join('\n', Seen.TakeLast(30)));
        }
        catch (Exception ex) when (ex is IOException or WebSocketException)
        {
            return null;
        }
    }

    public async Task<string> ExpectLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("Expected line not seen. Seen:\n" + string.Join('\n', Seen.TakeLast(30)));
            }

            string line = await ReadLineAsync(left)
                ?? throw new InvalidOperationException("Closed before the expected line. Seen:\n" + string.Join('\n', Seen.TakeLast(30)));
            if (match(line))
            {
                return line;
            }
        }
    }

    public async Task<IrcMessage> ExpectAsync(Func<IrcMessage, bool> match, TimeSpan? timeout = null)
    {
        string line = await ExpectLineAsync(l => IrcParser.TryParse(Encoding.UTF8.GetBytes(l), out var m) == IrcParseError.None && match(m!), timeout);
        return IrcParser.Parse(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket is not null)
        {
            _socket.Abort();
            _socket.Dispose();
        }
        else
        {
            await _stream!.DisposeAsync();
        }
    }
}
