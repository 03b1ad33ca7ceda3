using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Unicode;

namespace Chat.Core.Transport;

/// <summary>
/// The IRCv3 WebSocket transport as a <see cref="Stream"/> of lines, so a
/// <see cref="LineConnection"/> runs over a WebSocket exactly as over TCP or TLS
/// (https://ircv3.net/specs/extensions/websocket): each received message is one
/// line and reads as its bytes followed by LF; each line written (ending in LF or
/// CR LF) is sent as one message without its terminator.
/// </summary>
/// <remarks>
/// With <see cref="IrcWebSocket.TextSubprotocol"/> lines go out as text messages
/// (invalid UTF-8 is replaced, as text frames must be UTF-8); with
/// <see cref="IrcWebSocket.BinarySubprotocol"/> as binary messages, bytes as they
/// are. WebSocket failures surface as <see cref="IOException"/>, which is what
/// the connection's loops expect from any stream. Disposing sends a close frame
/// (bounded by a short timeout) and aborts whatever is left.
/// </remarks>
public sealed class WebSocketLineStream : Stream
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly WebSocketMessageType _sendType;
    private readonly int _maxMessage;

    /// <summary>Bytes of the current received message not yet handed out, then its LF.</summary>
    private readonly byte[] _receive;
    private int _receiveStart;
    private int _receiveEnd;
    private bool _endOfMessagePending;
    private Task<ValueWebSocketReceiveResult>? _pendingReceive;

    /// <summary>The start of a line written without its terminator yet.</summary>
    private readonly ArrayBufferWriter<byte> _partial = new();
    private int _disposed;

    /// <param name="socket">An open WebSocket.</param>
    /// <param name="binary">Send binary messages (binary.ircv3.net) instead of text (text.ircv3.net).</param>
    /// <param name="maxMessage">Buffer size for one received read; longer messages arrive in pieces and still end in one LF.</param>
    public WebSocketLineStream(WebSocket socket, bool binary, int maxMessage = 16 * 1024)
    {
        _socket = socket;
        _sendType = binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        _maxMessage = maxMessage;
        _receive = new byte[maxMessage];
    }

    public bool IsBinary => _sendType == WebSocketMessageType.Binary;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            // A zero-byte read (the pipe reader's way of waiting) returns at once; the real read waits.
            return 0;
        }

        while (true)
        {
            if (_receiveStart < _receiveEnd)
            {
                int n = Math.Min(buffer.Length, _receiveEnd - _receiveStart);
                _receive.AsMemory(_receiveStart, n).CopyTo(buffer);
                _receiveStart += n;
                return n;
            }

            if (_endOfMessagePending)
            {
                _endOfMessagePending = false;
                buffer.Span[0] = (byte)'\n';
                return 1;
            }

            // Cancelling a WebSocket receive aborts the socket, which would lose the
            // lines still queued for sending (an ERROR, a goodbye): so a cancelled
            // read only stops waiting, and the receive stays pending for the next one.
            _pendingReceive ??= _socket.ReceiveAsync(_receive.AsMemory(0, _maxMessage), CancellationToken.None).AsTask();
            ValueWebSocketReceiveResult result;
            try
            {
                result = await _pendingReceive.WaitAsync(cancellationToken).ConfigureAwait(false);
                _pendingReceive = null;
            }
            catch (WebSocketException ex)
            {
                _pendingReceive = null;
                throw new IOException("WebSocket error: " + ex.Message, ex);
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return 0;
            }

            _receiveStart = 0;
            _receiveEnd = result.Count;
            _endOfMessagePending = result.EndOfMessage;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            while (!buffer.IsEmpty)
            {
                int lf = buffer.Span.IndexOf((byte)'\n');
                if (lf < 0)
                {
                    _partial.Write(buffer.Span);
                    return;
                }

                ReadOnlyMemory<byte> line = buffer[..lf];
                buffer = buffer[(lf + 1)..];
                if (_partial.WrittenCount > 0)
                {
                    _partial.Write(line.Span);
                    line = _partial.WrittenMemory.ToArray();
                    _partial.Clear();
                }

                if (!line.IsEmpty && line.Span[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                if (line.IsEmpty)
                {
                    continue;
                }

                if (_sendType == WebSocketMessageType.Text && !Utf8.IsValid(line.Span))
                {
                    // Text frames must be UTF-8: the invalid bytes become U+FFFD.
                    line = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(line.Span));
                }

                await _socket.SendAsync(line, _sendType, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (WebSocketException ex)
        {
            throw new IOException("WebSocket error: " + ex.Message, ex);
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                // The close handshake: our close frame after the last line, then the
                // peer's answer, so the lines before it are delivered, not cut off.
                using var limit = new CancellationTokenSource(CloseTimeout);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, limit.Token).ConfigureAwait(false);
                while (_socket.State == WebSocketState.CloseSent)
                {
                    _pendingReceive ??= _socket.ReceiveAsync(_receive.AsMemory(0, _maxMessage), CancellationToken.None).AsTask();
                    await _pendingReceive.WaitAsync(limit.Token).ConfigureAwait(false);
                    _pendingReceive = null;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException or IOException)
        {
            _socket.Abort();
        }
        finally
        {
            _socket.Dispose();
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Abort();
            _socket.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The IRCv3 WebSocket subprotocols and how one is chosen.</summary>
public static class IrcWebSocket
{
    public const string TextSubprotocol = "text.ircv3.net";

    public const string BinarySubprotocol = "binary.ircv3.net";

    /// <summary>
    /// The subprotocol to answer with, honouring the client's order of preference:
    /// the first of ours it asked for, or null when it asked for neither (then the
    /// connection is text, as the spec and other servers default to).
    /// </summary>
    public static string? Choose(IEnumerable<string> requested) =>
        requested.FirstOrDefault(p => p is TextSubprotocol or BinarySubprotocol);
}
