using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Chat.Core.Transport;

/// <summary>
/// A line-oriented duplex connection over a socket (<see cref="FromSocket"/>) or a
/// stream (TLS, WebSocket, anything that looks like a stream): a reader that hands
/// complete lines to an <see cref="ILineHandler"/>, and a writer that drains a
/// queue of ready-made lines.
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
/// while there is something to send, and its queue exists only while it has lines.
/// Over a socket, an idle connection holds no state machine either: each wake-up
/// runs the reading loop until the socket has nothing more, then it waits again,
/// on Linux x64 in the process's epoll (<see cref="SocketReadiness"/>: no .NET
/// async socket state at all), elsewhere as one pending zero-byte receive
/// (<see cref="Receiver"/>).</para>
/// </remarks>
public sealed class LineConnection : IAsyncDisposable, IThreadPoolWorkItem
{
    public const string SendQExceeded = "SendQ exceeded";

    private const int ReadChunk = 4096;

    // Null over a socket (FromSocket): reads and writes then go to the socket directly.
    private readonly Stream? _stream;

    // The socket, read directly (FromSocket), or the one under a NetworkStream: writes
    // go with non-blocking sends while it has room, see SendNonBlocking.
    private readonly Socket? _socket;
    private bool _sendWouldBlock;

    // Over a socket: what wakes the reader. On Linux, the process's epoll
    // (SocketReadiness): a slot, and the reader's state (see WakeReader);
    // elsewhere, a pending zero-byte receive of our own.
    private readonly SocketReadiness? _readiness;
    private long _readinessKey;
    private int _readState;
    private Receiver? _receiver;

    // Set once epoll has told of the peer's end (or an error, or our own shutdown):
    // from then on the reader reads until the socket says it would block, since a
    // short read may leave the end of stream unread with no wake-up to come for it.
    private volatile bool _readToEnd;

    private const int ReaderRunning = 0;
    private const int ReaderWaiting = 1;
    private const int ReaderRunningWoken = 2;
    private ILineHandler? _handler;

    // The reader's unfinished line between reads; no buffer while there is none.
    private byte[]? _readBuffer;
    private int _readFilled;
    private bool _readSkipping;

    private readonly ConnectionOptions _options;
    // Stops a pending read on streams other than NetworkStream; a socket's read is
    // stopped by shutting down its receiving side instead, which costs nothing per connection.
    private readonly CancellationTokenSource? _readCancel;

    // Writers held back on this thread (see HoldWriters).
    [ThreadStatic]
    private static int t_holdDepth;
    [ThreadStatic]
    private static List<LineConnection>? t_held;

    // Guards the queue, the writer flag and closing.
    private SpinGate _sendGate;
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

    private LineConnection(Socket socket, ConnectionOptions? options)
    {
        _options = options ?? new ConnectionOptions();
        RemoteEndPoint = socket.RemoteEndPoint;
        _socket = socket;
        _readiness = SocketReadiness.Instance;
        if (_readiness is null)
        {
            // Synchronous calls return WouldBlock instead of waiting; with epoll, recv and send say MSG_DONTWAIT instead.
            _socket.Blocking = false;
        }
    }

    /// <summary>A connection that reads and writes the socket directly (and owns it): plain TCP.</summary>
    public static LineConnection FromSocket(Socket socket, ConnectionOptions? options = null)
    {
        socket.NoDelay = true;
        return new LineConnection(socket, options);
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
    /// close reason (and throws what a handler call threw). Lines queued before
    /// this call are written from now on.
    /// </summary>
    public Task<string> RunAsync(ILineHandler handler)
    {
        var run = new RunToEnd(handler);
        Start(run);
        return run.Ended;
    }

    /// <summary>
    /// Like <see cref="RunAsync"/>, without a task: the end is reported to
    /// <see cref="ILineHandler.OnClosed"/>, so that nothing waits on an idle
    /// connection but its pending receive. Called once.
    /// </summary>
    public void Start(ILineHandler handler)
    {
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException("The connection is already started.");
        }

        using (_sendGate.Enter())
        {
            _started = true;
            StartWriterIfNeeded();
        }

        if (_stream is null)
        {
            if (_readiness is not null)
            {
                _readinessKey = _readiness.Register(this);
                if (!_readiness.Add(_socket!.SafeHandle, _readinessKey))
                {
                    // Closed before it started: the reader ends at once.
                    Close("Connection closed");
                }
            }
            else
            {
                _receiver = new Receiver(this);
            }

            _ = ReadSocketAsync();
        }
        else
        {
            _ = ReadStreamAsync();
        }
    }

    /// <summary>
    /// Queues one ready-made line (with its CR LF). Returns false when the
    /// connection is closing; closes it when the send queue limit is passed.
    /// </summary>
    public bool Send(byte[] line)
    {
        using (_sendGate.Enter())
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
        using (_sendGate.Enter())
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
        using (_sendGate.Enter())
        {
            drained = _writing ? (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task : null;
        }

        if (drained is not null)
        {
            await Task.WhenAny(drained, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false);
        }

        try
        {
            // Lets the peer see a clean end of stream after the last line.
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        // A reader waiting on epoll would not hear of the socket closing: it runs now, sees the close and ends.
        WakeReader(Epoll.HangUp);

        // Disposing also ends a write still stuck on a peer that reads nothing.
        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _socket!.Dispose();
        }

        _receiver?.Dispose();
        _readCancel?.Dispose();
    }

    private void CancelReading()
    {
        try
        {
            if (_socket is not null)
            {
                // A pending receive then ends as if the peer had closed.
                _socket.Shutdown(SocketShutdown.Receive);
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
        if (t_holdDepth > 0)
        {
            (t_held ??= []).Add(this);
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>
    /// Until the returned scope is disposed, writers that lines queued on this
    /// thread would start are held and all start when it ends: code that queues
    /// many lines in a row (a group of messages to busy rooms) then has each
    /// socket written once with all of them, instead of racing the writers it
    /// starts on the way into many small writes. Scopes nest; the outermost
    /// starts the writers. Lines are queued at once either way. A hold belongs
    /// to the thread that took it: it must end on that thread, never across an
    /// await (ending it elsewhere throws).
    /// </summary>
    public static WriterHold HoldWriters()
    {
        t_holdDepth++;
        return default;
    }

    /// <summary>See <see cref="HoldWriters"/>.</summary>
    public readonly struct WriterHold : IDisposable
    {
        public void Dispose()
        {
            if (t_holdDepth == 0)
            {
                throw new InvalidOperationException("A writer hold ends on the thread that took it.");
            }

            if (--t_holdDepth > 0 || t_held is not { Count: > 0 } held)
            {
                return;
            }

            foreach (var connection in held)
            {
                ThreadPool.UnsafeQueueUserWorkItem(connection, preferLocal: false);
            }

            held.Clear();
        }
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
                using (_sendGate.Enter())
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
                    await _stream!.FlushAsync().ConfigureAwait(false);
                    unflushed = false;
                    continue;
                }

                var bytes = large ?? batch.AsMemory(0, used);
                int now = SendNonBlocking(bytes.Span);
                if (now < bytes.Length)
                {
                    await WriteAsync(bytes[now..]).ConfigureAwait(false);
                }

                // A socket has nothing to flush; a stream (TLS) may.
                unflushed = _stream is not null;
                using (_sendGate.Enter())
                {
                    _pendingBytes = Math.Max(0, _pendingBytes - bytes.Length);
                }

                Interlocked.Add(ref _bytesOut, bytes.Length);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            using (_sendGate.Enter())
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

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_stream is not null)
        {
            await _stream.WriteAsync(bytes).ConfigureAwait(false);
            return;
        }

        while (bytes.Length > 0)
        {
            int sent = await _socket!.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    /// <summary>
    /// Writes with non-blocking sends while the socket has room and returns how
    /// many bytes went; the rest goes through the stream's (or socket's)
    /// asynchronous write, which waits for room. A busy client that reads along
    /// is written with one system call per batch and none of .NET's asynchronous
    /// socket state; a socket's first asynchronous send allocates state that it
    /// keeps for good (about 360 bytes), so only a client that once fell behind
    /// has it. After a batch that found the socket full, the next one waits for
    /// room at once rather than try first: a slow reader pays a failed send at
    /// most every other batch.
    /// </summary>
    private int SendNonBlocking(ReadOnlySpan<byte> bytes)
    {
        if (_socket is null)
        {
            return 0;
        }

        if (_sendWouldBlock)
        {
            _sendWouldBlock = false;
            return 0;
        }

        int sent = 0;
        while (sent < bytes.Length)
        {
            int n = _readiness is not null
                ? Epoll.Send(_socket.SafeHandle, bytes[sent..], out var error)
                : _socket.Send(bytes[sent..], SocketFlags.None, out error);
            if (error == SocketError.WouldBlock)
            {
                _sendWouldBlock = true;
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

    /// <summary>Reads a wake-up runs on the readiness thread before the rest goes to the thread pool.</summary>
    private const int InlineReadsPerWake = 4;

    /// <summary>
    /// The reader over a socket, run by each wake-up of the pending zero-byte
    /// receive: reads with non-blocking receives and hands the lines on until the
    /// socket has nothing more, then leaves a zero-byte receive pending and returns,
    /// so that a quiet connection keeps neither this state machine nor a buffer.
    /// With epoll it starts on the readiness thread itself (no hand-off to the
    /// pool for the usual line or two); after <see cref="InlineReadsPerWake"/>
    /// reads, or at the first handler call that does not complete at once, the
    /// rest runs on the pool, so one busy or slow connection never holds the
    /// others' reads. Handlers must therefore never block (wait for I/O or a
    /// lock held long): work that takes time is awaited, or deferred.
    /// </summary>
    private async Task ReadSocketAsync()
    {
        int reads = 0;
        var socket = _socket!;
        string reason = "Connection closed";
        Exception? error = null;
        try
        {
            while (!IsClosing)
            {
                if (_receiver is { SocketError: not SocketError.Success } failed)
                {
                    reason = DescribeSocketError(failed.SocketError);
                    break;
                }

                RentOrGrowReadBuffer();
                var free = _readBuffer.AsSpan(_readFilled);
                int read = _readiness is not null
                    ? Epoll.Receive(socket.SafeHandle, free, out var socketError)
                    : socket.Receive(free, SocketFlags.None, out socketError);
                if (socketError == SocketError.WouldBlock)
                {
                    if (Park())
                    {
                        // Its wake-up runs this method again. Nothing here may touch the connection from now on.
                        return;
                    }

                    continue;
                }

                if (socketError != SocketError.Success)
                {
                    reason = DescribeSocketError(socketError);
                    break;
                }

                if (read == 0)
                {
                    await EndOfStreamAsync().ConfigureAwait(false);
                    break;
                }

                // Fewer bytes than there was room for: the socket had no more. Edge-triggered
                // epoll wakes the reader for anything that comes after this read, so it can
                // wait now instead of asking again only to hear that it would block.
                bool drained = read < free.Length && _readiness is not null && !_readToEnd;
                await ConsumeAsync(read).ConfigureAwait(false);
                if (drained && !IsClosing)
                {
                    if (Park())
                    {
                        return;
                    }

                    continue;
                }

                if (++reads >= InlineReadsPerWake && SocketReadiness.OnReadinessThread)
                {
                    // A busy socket has had its turn on the readiness thread: the rest is read on the pool.
                    ReadOnPool();
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            reason = DescribeError(ex);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Finish(reason, error);
    }

    /// <summary>The socket has nothing more for now: gives back an empty read buffer, then <see cref="WaitReadable"/>.</summary>
    private bool Park()
    {
        if (_readFilled == 0)
        {
            ReturnReadBuffer();
        }

        return WaitReadable();
    }

    /// <summary>Runs the socket reader on the thread pool.</summary>
    private void ReadOnPool() => ThreadPool.UnsafeQueueUserWorkItem(static self => _ = self.ReadSocketAsync(), this, preferLocal: false);

    /// <summary>
    /// Asks for the reader to run again once the socket is readable; false when it
    /// is already (or the socket is gone), and the reader goes on now.
    /// </summary>
    private bool WaitReadable()
    {
        if (_readiness is null)
        {
            return _socket!.ReceiveAsync(_receiver!);
        }

        // Running -> waiting, unless a wake-up came while it ran: then it reads again.
        if (Interlocked.CompareExchange(ref _readState, ReaderWaiting, ReaderRunning) == ReaderRunning)
        {
            return true;
        }

        Volatile.Write(ref _readState, ReaderRunning);
        return false;
    }

    /// <summary>
    /// The socket has news (bytes, its end, an error; or DisposeAsync): a waiting
    /// reader is run on the thread pool; a running one is told to read once more
    /// before it waits, since edge-triggered epoll will not say it again.
    /// <paramref name="events"/> is what epoll reported; an end or an error makes
    /// the reader read until the socket would block from then on.
    /// </summary>
    internal void WakeReader(uint events)
    {
        if ((events & (Epoll.ReadHangUp | Epoll.HangUp | Epoll.Error)) != 0)
        {
            _readToEnd = true;
        }

        while (true)
        {
            int state = Volatile.Read(ref _readState);
            if (state == ReaderWaiting)
            {
                if (Interlocked.CompareExchange(ref _readState, ReaderRunning, ReaderWaiting) == ReaderWaiting)
                {
                    if (SocketReadiness.OnReadinessThread)
                    {
                        // Read at once on the readiness thread: no hand-off to the pool for a line or two.
                        _ = ReadSocketAsync();
                    }
                    else
                    {
                        ReadOnPool();
                    }

                    return;
                }
            }
            else if (state == ReaderRunning)
            {
                if (Interlocked.CompareExchange(ref _readState, ReaderRunningWoken, ReaderRunning) == ReaderRunning)
                {
                    return;
                }
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>The reader over a stream: one loop for the whole life of the connection.</summary>
    private async Task ReadStreamAsync()
    {
        var stream = _stream!;
        var token = _readCancel?.Token ?? CancellationToken.None;
        string reason = "Connection closed";
        Exception? error = null;
        try
        {
            while (!IsClosing)
            {
                if (_readBuffer is null)
                {
                    // Wait for bytes without holding a buffer: idle connections cost no memory here.
                    await stream.ReadAsync(Memory<byte>.Empty, token).ConfigureAwait(false);
                }

                RentOrGrowReadBuffer();
                int read = await stream.ReadAsync(_readBuffer.AsMemory(_readFilled), token).ConfigureAwait(false);
                if (read == 0)
                {
                    await EndOfStreamAsync().ConfigureAwait(false);
                    break;
                }

                await ConsumeAsync(read).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = DescribeError(ex);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Finish(reason, error);
    }

    /// <summary>Reading has ended: closes (the first reason given wins) and tells the handler, once.</summary>
    private void Finish(string reason, Exception? error)
    {
        ReturnReadBuffer();
        _readiness?.Unregister(_readinessKey);
        Close(error is null ? reason : "Internal error");
        _handler!.OnClosed(CloseReason!, error);
    }

    private void RentOrGrowReadBuffer()
    {
        if (_readBuffer is null)
        {
            _readBuffer = ArrayPool<byte>.Shared.Rent(ReadChunk);
        }
        else if (_readFilled == _readBuffer.Length)
        {
            _readBuffer = Grow(_readBuffer, _readFilled);
        }
    }

    private void ReturnReadBuffer()
    {
        if (_readBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_readBuffer);
            _readBuffer = null;
        }

        _readFilled = 0;
    }

    /// <summary>The peer has closed: a last line without its terminator is still a line.</summary>
    private ValueTask EndOfStreamAsync() =>
        _readFilled > 0 && !_readSkipping && !IsClosing
            ? _handler!.OnLineAsync(new ReadOnlySequence<byte>(_readBuffer!, 0, _readFilled))
            : ValueTask.CompletedTask;

    /// <summary>
    /// Hands on the complete lines among the <paramref name="read"/> bytes just
    /// added to the read buffer, and keeps only the unfinished line (or none).
    /// </summary>
    private async ValueTask ConsumeAsync(int read)
    {
        var handler = _handler!;
        var buffer = _readBuffer!;
        Interlocked.Add(ref _bytesIn, read);
        int filled = _readFilled + read;
        bool skipping = _readSkipping;
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

        _readSkipping = skipping;
        _readFilled = rest;
        if (rest == 0)
        {
            ReturnReadBuffer();
        }
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
    /// The lock over the send queue and its state. Every section under it is a
    /// few field writes or one copy into the write buffer, never a wait, so it is
    /// a flag taken with one atomic exchange and left with a plain write; a thread
    /// that finds it taken (the other side got there first, or was preempted
    /// holding it) spins, then yields the CPU until it is free. Not reentrant.
    /// </summary>
    private struct SpinGate
    {
        private int _taken;

        /// <summary>Takes the gate; disposing the returned scope leaves it (<c>using (_sendGate.Enter()) { ... }</c>).</summary>
        [UnscopedRef]
        public Scope Enter()
        {
            if (Interlocked.CompareExchange(ref _taken, 1, 0) != 0)
            {
                EnterContended();
            }

            return new Scope(ref _taken);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void EnterContended()
        {
            var spin = default(SpinWait);
            do
            {
                spin.SpinOnce();
            }
            while (Volatile.Read(ref _taken) != 0 || Interlocked.CompareExchange(ref _taken, 1, 0) != 0);
        }

        /// <summary>The gate, held until disposed.</summary>
        public readonly ref struct Scope
        {
            private readonly ref int _taken;

            public Scope(ref int taken) => _taken = ref taken;

            public void Dispose() => Volatile.Write(ref _taken, 0);
        }
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
        private Slot[]? _items;
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
                _items = ArrayPool<Slot>.Shared.Rent(16);
                _items[0].Line = _single;
                _single = null;
                _head = 0;
            }
            else if (_count == _items.Length)
            {
                Grow();
            }

            int tail = _head + _count;
            if (tail >= _items.Length)
            {
                tail -= _items.Length;
            }

            _items[tail].Line = line;
            _count++;
        }

        public readonly byte[] Peek() => _items is null ? _single! : _items[_head].Line!;

        public byte[] Dequeue()
        {
            if (_items is null)
            {
                var only = _single!;
                _single = null;
                _count = 0;
                return only;
            }

            ref var slot = ref _items[_head];
            var line = slot.Line!;
            slot.Line = null;
            if (++_head == _items.Length)
            {
                _head = 0;
            }

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
                // Dequeue clears each slot it takes, so a drained ring goes back as it is; only lines left behind need clearing.
                ArrayPool<Slot>.Shared.Return(_items, clearArray: _count > 0);
                _items = null;
            }

            _single = null;
            _head = 0;
            _count = 0;
        }

        /// <summary>Twice the room, the lines moved to its start in order (two copies: the part from the head to the end, then the wrapped part).</summary>
        private void Grow()
        {
            var old = _items!;
            var bigger = ArrayPool<Slot>.Shared.Rent(old.Length * 2);
            int first = Math.Min(_count, old.Length - _head);
            Array.Copy(old, _head, bigger, 0, first);
            Array.Copy(old, 0, bigger, first, _count - first);
            ArrayPool<Slot>.Shared.Return(old, clearArray: true);
            _items = bigger;
            _head = 0;
        }

        /// <summary>
        /// A line in the ring. A struct, not the array itself, so storing it is a
        /// plain write: arrays of a reference type check each store for covariance.
        /// </summary>
        private struct Slot
        {
            public byte[]? Line;
        }
    }

    /// <summary>The zero-byte receive an idle socket connection waits on; its completion wakes the reader.</summary>
    private sealed class Receiver(LineConnection connection) : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true)
    {
        protected override void OnCompleted(SocketAsyncEventArgs e) => _ = connection.ReadSocketAsync();
    }

    /// <summary>What <see cref="RunAsync"/> starts with: the handler's calls, and a task for the end.</summary>
    private sealed class RunToEnd(ILineHandler inner) : ILineHandler
    {
        private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Ended => _ended.Task;

        public ValueTask OnLineAsync(ReadOnlySequence<byte> line) => inner.OnLineAsync(line);

        public void OnLineTooLong() => inner.OnLineTooLong();

        public void OnClosed(string reason, Exception? error)
        {
            inner.OnClosed(reason, error);
            if (error is null)
            {
                _ended.TrySetResult(reason);
            }
            else
            {
                _ended.TrySetException(error);
            }
        }
    }

    private static string DescribeError(Exception ex) => ex switch
    {
        IOException { InnerException: SocketException se } => DescribeSocketError(se.SocketErrorCode),
        SocketException se => DescribeSocketError(se.SocketErrorCode),
        _ => "Connection closed",
    };

    private static string DescribeSocketError(SocketError error) => error switch
    {
        SocketError.ConnectionReset => "Connection reset by peer",
        SocketError.ConnectionAborted or SocketError.OperationAborted => "Connection aborted",
        SocketError.TimedOut => "Connection timed out",
        _ => $"Socket error: {error}",
    };
}
