using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace Chat.Core.Transport;

/// <summary>
/// A line-oriented duplex connection over a stream (TCP, TLS, or anything that
/// looks like a stream): a reader loop that hands complete lines to an
/// <see cref="ILineHandler"/>, and a writer that drains a queue of ready-made lines.
/// </summary>
/// <remarks>
/// <para>Send queue contract: <see cref="Send"/> never blocks and never reorders;
/// it is safe from any thread. Lines are written in the order they were queued,
/// as many at a time as fit in one write. When the bytes waiting pass
/// <see cref="ConnectionOptions.SendQueueLimit"/> the connection is closed with
/// "SendQ exceeded", so one slow reader never holds memory or anyone else back.
/// Closing happens once: the first reason given wins and is the one reported.</para>
/// <para>Memory: an idle connection holds no buffer. The reader waits with a
/// zero-byte read and rents a buffer only when bytes arrive; the writer runs only
/// while there is something to send, and its queue exists only while it has lines.</para>
/// </remarks>
public sealed class LineConnection : IAsyncDisposable, IThreadPoolWorkItem
{
    public const string SendQExceeded = "SendQ exceeded";

    private const int ReadChunk = 4096;

    private readonly Stream _stream;

    // The socket under a NetworkStream: its first writes (the welcome burst, the
    // odd PING) go with non-blocking sends, see SendNow.
    private readonly Socket? _socket;
    private bool _sendsAsync;

    /// <summary>Bytes written with non-blocking sends before a connection uses the asynchronous path only.</summary>
    private const long SyncSendBytes = 16 * 1024;
    private readonly ConnectionOptions _options;
    // Stops a pending read on streams other than NetworkStream; a socket's read is
    // stopped by shutting down its receiving side instead, which costs nothing per connection.
    private readonly CancellationTokenSource? _readCancel;

    // Guards the queue, the writer flag and closing.
    private readonly Lock _sendLock = new();
    private LineRing _queue;
    private bool _started;
    private bool _writing;
    private bool _sendClosed;
    private TaskCompletionSource? _drained;

    private string? _closeReason;
    private long _pendingBytes;
    private long _bytesIn;
    private long _bytesOut;
    private int _disposed;

    public LineConnection(Stream stream, EndPoint? remoteEndPoint, ConnectionOptions? options = null)
    {
        _stream = stream;
        _options = options ?? new ConnectionOptions();
        RemoteEndPoint = remoteEndPoint;
        _readCancel = stream is NetworkStream ? null : new CancellationTokenSource();
        if (stream is NetworkStream network)
        {
            // Synchronous calls return WouldBlock instead of waiting; asynchronous ones are unaffected.
            _socket = network.Socket;
            _socket.Blocking = false;
        }
    }

    public static LineConnection FromSocket(Socket socket, ConnectionOptions? options = null)
    {
        socket.NoDelay = true;
        return new LineConnection(new NetworkStream(socket, ownsSocket: true), socket.RemoteEndPoint, options);
    }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>Why the connection closed, or null while it is open.</summary>
    public string? CloseReason => Volatile.Read(ref _closeReason);

    public bool IsClosing => CloseReason is not null;

    public long BytesIn => Interlocked.Read(ref _bytesIn);

    public long BytesOut => Interlocked.Read(ref _bytesOut);

    /// <summary>Bytes queued and not yet written.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>
    /// Reads lines and hands them to <paramref name="handler"/> until the peer
    /// closes, the connection fails or <see cref="Close"/> is called; returns the
    /// close reason. Lines queued before this call are written from now on.
    /// </summary>
    public Task<string> RunAsync(ILineHandler handler)
    {
        lock (_sendLock)
        {
            _started = true;
            StartWriterIfNeeded();
        }

        // One async method for the whole life of the connection: each level of
        // awaiting would keep a state machine per idle connection.
        return ReadLoopAsync(handler);
    }

    /// <summary>
    /// Queues one ready-made line (with its CR LF). Returns false when the
    /// connection is closing; closes it when the send queue limit is passed.
    /// </summary>
    public bool Send(byte[] line)
    {
        lock (_sendLock)
        {
            if (_sendClosed)
            {
                return false;
            }

            if (_pendingBytes + line.Length > _options.SendQueueLimit)
            {
                OverflowLocked();
                return false;
            }

            _queue.Enqueue(line);
            _pendingBytes += line.Length;
            StartWriterIfNeeded();
            return true;
        }
    }

    /// <summary>
    /// Starts closing: no more lines are read, <paramref name="finalLine"/> (if
    /// any) is queued last, and what is queued is flushed within the drain timeout.
    /// Only the first call has any effect.
    /// </summary>
    public void Close(string reason, byte[]? finalLine = null)
    {
        lock (_sendLock)
        {
            if (_closeReason is not null)
            {
                return;
            }

            Volatile.Write(ref _closeReason, reason);
            if (finalLine is not null && !_sendClosed)
            {
                _queue.Enqueue(finalLine);
                _pendingBytes += finalLine.Length;
            }

            _sendClosed = true;
            StartWriterIfNeeded();
        }

        CancelReading();
    }

    /// <summary>Waits for the queued lines to be written (within the drain timeout), then closes the stream.</summary>
    public async ValueTask DisposeAsync()
    {
        Close("Connection closed");
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Task? drained;
        lock (_sendLock)
        {
            drained = _writing ? (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task : null;
        }

        if (drained is not null)
        {
            await Task.WhenAny(drained, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false);
        }

        try
        {
            if (_stream is NetworkStream ns)
            {
                // Lets the peer see a clean end of stream after the last line.
                ns.Socket.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        // Disposing also ends a write still stuck on a peer that reads nothing.
        await _stream.DisposeAsync().ConfigureAwait(false);
        _readCancel?.Dispose();
    }

    private void CancelReading()
    {
        try
        {
            if (_stream is NetworkStream ns)
            {
                // A pending receive then ends as if the peer had closed.
                ns.Socket.Shutdown(SocketShutdown.Receive);
            }
            else
            {
                _readCancel?.Cancel();
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>Under the lock: the client reads too slowly, so the queue goes and the one line still worth sending is why.</summary>
    private void OverflowLocked()
    {
        if (_closeReason is null)
        {
            Volatile.Write(ref _closeReason, SendQExceeded);
        }

        _queue.Clear();
        _pendingBytes = 0;
        var error = "ERROR :SendQ exceeded\r\n"u8.ToArray();
        _queue.Enqueue(error);
        _pendingBytes = error.Length;
        _sendClosed = true;
        StartWriterIfNeeded();

        // Reading stops too; cancelling runs callbacks, so not under the lock.
        ThreadPool.UnsafeQueueUserWorkItem(static self => self.CancelReading(), this, preferLocal: false);
    }

    /// <summary>Under the lock: starts the writer when there is something to write and none is running.</summary>
    private void StartWriterIfNeeded()
    {
        if (_writing || !_started || _queue.Count == 0)
        {
            return;
        }

        _writing = true;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>The writer, started on the thread pool without allocating a work item.</summary>
    void IThreadPoolWorkItem.Execute() => _ = WriteLoopAsync();

    private async Task WriteLoopAsync()
    {
        byte[]? batch = null;
        bool unflushed = false;
        try
        {
            while (true)
            {
                int used = 0;
                byte[]? large = null;
                bool flush = false;
                lock (_sendLock)
                {
                    if (_queue.Count == 0)
                    {
                        if (!unflushed)
                        {
                            // Nothing left: the queue and the buffer go, so an idle connection holds neither.
                            _queue.Release();
                            _writing = false;
                            _drained?.TrySetResult();
                            break;
                        }

                        // Flush (TLS buffers) before letting another writer start.
                        flush = true;
                    }
                    else if (_queue.Peek().Length > _options.WriteCoalesceBytes)
                    {
                        large = _queue.Dequeue();
                    }
                    else
                    {
                        batch ??= ArrayPool<byte>.Shared.Rent(_options.WriteCoalesceBytes);
                        while (_queue.Count > 0 && used + _queue.Peek().Length <= batch.Length)
                        {
                            var next = _queue.Dequeue();
                            next.CopyTo(batch, used);
                            used += next.Length;
                        }
                    }
                }

                if (flush)
                {
                    await _stream.FlushAsync().ConfigureAwait(false);
                    unflushed = false;
                    continue;
                }

                var bytes = large ?? batch.AsMemory(0, used);
                int now = SendNow(bytes.Span);
                if (now < bytes.Length)
                {
                    await _stream.WriteAsync(bytes[now..]).ConfigureAwait(false);
                }

                unflushed = true;
                lock (_sendLock)
                {
                    _pendingBytes = Math.Max(0, _pendingBytes - bytes.Length);
                }

                Interlocked.Add(ref _bytesOut, bytes.Length);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            lock (_sendLock)
            {
                _queue.Release();
                _pendingBytes = 0;
                _writing = false;
                _sendClosed = true;
                if (_closeReason is null)
                {
                    Volatile.Write(ref _closeReason, DescribeError(ex));
                }

                _drained?.TrySetResult();
            }

            CancelReading();
        }
        finally
        {
            if (batch is not null)
            {
                ArrayPool<byte>.Shared.Return(batch);
            }
        }
    }

    /// <summary>
    /// While a connection has written little (its welcome burst, a PING now and
    /// then), writes with non-blocking sends and returns how many bytes went; the
    /// rest, and everything once the connection is busy, goes through the stream's
    /// asynchronous write. A socket's first asynchronous send allocates state that
    /// it keeps for good (about 360 bytes): an idle client never needs it, and a
    /// busy one does not pay a failed send before each asynchronous one.
    /// </summary>
    private int SendNow(ReadOnlySpan<byte> bytes)
    {
        if (_socket is null || _sendsAsync)
        {
            return 0;
        }

        if (Interlocked.Read(ref _bytesOut) > SyncSendBytes)
        {
            _sendsAsync = true;
            return 0;
        }

        int sent = 0;
        while (sent < bytes.Length)
        {
            int n = _socket.Send(bytes[sent..], SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                _sendsAsync = true;
                break;
            }

            if (error != SocketError.Success)
            {
                throw new SocketException((int)error);
            }

            sent += n;
        }

        return sent;
    }

    /// <summary>Reads until the end (see <see cref="RunAsync"/>), then closes and returns the close reason.</summary>
    private async Task<string> ReadLoopAsync(ILineHandler handler)
    {
        var token = _readCancel?.Token ?? CancellationToken.None;
        byte[]? buffer = null;
        int filled = 0;
        bool skipping = false;
        string reason = "Connection closed";
        try
        {
            while (!IsClosing)
            {
                if (buffer is null)
                {
                    // Wait for bytes without holding a buffer: idle connections cost no memory here.
                    await _stream.ReadAsync(Memory<byte>.Empty, token).ConfigureAwait(false);
                    buffer = ArrayPool<byte>.Shared.Rent(ReadChunk);
                }
                else if (filled == buffer.Length)
                {
                    buffer = Grow(buffer, filled);
                }

                int read = await _stream.ReadAsync(buffer.AsMemory(filled), token).ConfigureAwait(false);
                if (read == 0)
                {
                    if (filled > 0 && !skipping && !IsClosing)
                    {
                        // A last line without its terminator is still a line.
                        await handler.OnLineAsync(new ReadOnlySequence<byte>(buffer, 0, filled)).ConfigureAwait(false);
                    }

                    break;
                }

                Interlocked.Add(ref _bytesIn, read);
                filled += read;
                int start = 0;
                while (!IsClosing)
                {
                    int end = buffer.AsSpan(start, filled - start).IndexOfAny((byte)'\r', (byte)'\n');
                    if (end < 0)
                    {
                        break;
                    }

                    int length = end;
                    int lineStart = start;
                    start += end + 1;
                    if (skipping)
                    {
                        // The tail of a line that was too long.
                        skipping = false;
                        continue;
                    }

                    if (length > _options.MaxLineLength)
                    {
                        handler.OnLineTooLong();
                        continue;
                    }

                    if (length > 0)
                    {
                        await handler.OnLineAsync(new ReadOnlySequence<byte>(buffer, lineStart, length)).ConfigureAwait(false);
                    }
                }

                // Keep only the unfinished line.
                int rest = filled - start;
                if (skipping || (rest > _options.MaxLineLength && !IsClosing))
                {
                    if (!skipping)
                    {
                        skipping = true;
                        handler.OnLineTooLong();
                    }

                    rest = 0;
                }
                else if (rest > 0 && start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, rest);
                }

                filled = rest;
                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }

        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = DescribeError(ex);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        // Closing first (when the peer or an error ended it) means the first reason given wins.
        Close(reason);
        return CloseReason!;
    }

    /// <summary>A bigger buffer for a line longer than the current one, up to the longest line allowed (plus room to see its end).</summary>
    private byte[] Grow(byte[] buffer, int filled)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, Math.Min(_options.MaxLineLength + 2, buffer.Length * 4)));
        Buffer.BlockCopy(buffer, 0, bigger, 0, filled);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>
    /// The send queue: lines in order. One line waits in a field of its own; more
    /// wait in a ring over an array rented from the shared pool and given back
    /// (cleared) once the writer has written them all. A burst allocates nothing
    /// (or one array when the pool has none left), and an idle connection holds
    /// no array. Used only under the send lock.
    /// </summary>
    private struct LineRing
    {
        private byte[]? _single;
        private byte[]?[]? _items;
        private int _head;
        private int _count;

        public readonly int Count => _count;

        public void Enqueue(byte[] line)
        {
            if (_items is null)
            {
                if (_count == 0)
                {
                    _single = line;
                    _count = 1;
                    return;
                }

                // A second line: the ring starts with the one waiting alone.
                _items = ArrayPool<byte[]?>.Shared.Rent(16);
                _items[0] = _single;
                _single = null;
                _head = 0;
            }
            else if (_count == _items.Length)
            {
                Grow();
            }

            _items[(_head + _count) % _items.Length] = line;
            _count++;
        }

        public readonly byte[] Peek() => _items is null ? _single! : _items[_head]!;

        public byte[] Dequeue()
        {
            if (_items is null)
            {
                var only = _single!;
                _single = null;
                _count = 0;
                return only;
            }

            var line = _items[_head]!;
            _items[_head] = null;
            _head = (_head + 1) % _items.Length;
            _count--;
            return line;
        }

        public void Clear()
        {
            while (_count > 0)
            {
                Dequeue();
            }
        }

        /// <summary>Drops what is left and gives the array back.</summary>
        public void Release()
        {
            if (_items is not null)
            {
                ArrayPool<byte[]?>.Shared.Return(_items, clearArray: true);
                _items = null;
            }

            _single = null;
            _head = 0;
            _count = 0;
        }

        private void Grow()
        {
            var bigger = ArrayPool<byte[]?>.Shared.Rent(_items!.Length * 2);
            for (int i = 0; i < _count; i++)
            {
                bigger[i] = _items[(_head + i) % _items.Length];
            }

            ArrayPool<byte[]?>.Shared.Return(_items, clearArray: true);
            _items = bigger;
            _head = 0;
        }
    }

    private static string DescribeError(Exception ex) => ex switch
    {
        IOException { InnerException: SocketException se } => DescribeSocketError(se),
        SocketException se => DescribeSocketError(se),
        _ => "Connection closed",
    };

    private static string DescribeSocketError(SocketException se) => se.SocketErrorCode switch
    {
        SocketError.ConnectionReset => "Connection reset by peer",
        SocketError.ConnectionAborted or SocketError.OperationAborted => "Connection aborted",
        SocketError.TimedOut => "Connection timed out",
        _ => $"Socket error: {se.SocketErrorCode}",
    };
}
