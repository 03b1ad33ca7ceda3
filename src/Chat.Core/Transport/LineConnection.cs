using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Chat.Core.Transport;

/// <summary>
/// A line-oriented duplex connection over a stream (TCP now, TLS later): one
/// reader loop that hands complete lines to an <see cref="ILineHandler"/>, and
/// one writer loop that drains a queue of ready-made lines.
/// </summary>
/// <remarks>
/// Send queue contract: <see cref="Send"/> never blocks and never reorders; it is
/// safe from any thread. Lines are written in the order they were queued, several
/// at a time in one write. When the bytes waiting pass
/// <see cref="ConnectionOptions.SendQueueLimit"/> the connection is closed with
/// "SendQ exceeded", so one slow reader never holds memory or anyone else back.
/// Closing happens once: the first reason given wins and is the one reported.
/// </remarks>
public sealed class LineConnection : IAsyncDisposable
{
    public const string SendQExceeded = "SendQ exceeded";

    private readonly Stream _stream;
    private readonly ConnectionOptions _options;
    private readonly PipeReader _input;
    private readonly Channel<byte[]> _output;
    private readonly CancellationTokenSource _readCancel = new();
    private Task? _writer;
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
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(
            bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        _output = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions
        {
            // The writer loop reads; an overflow also drains what it will never send.
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
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
    /// close reason. The writer loop starts here too.
    /// </summary>
    public async Task<string> RunAsync(ILineHandler handler)
    {
        _writer = Task.Run(WriteLoopAsync);
        string reason = "Connection closed";
        try
        {
            reason = await ReadLoopAsync(handler).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = DescribeReadError(ex);
        }

        Close(reason);
        return CloseReason!;
    }

    /// <summary>
    /// Queues one ready-made line (with its CR LF). Returns false when the
    /// connection is closing; closes it when the send queue limit is passed.
    /// </summary>
    public bool Send(byte[] line)
    {
        if (IsClosing)
        {
            return false;
        }

        long pending = Interlocked.Add(ref _pendingBytes, line.Length);
        if (pending > _options.SendQueueLimit)
        {
            Interlocked.Add(ref _pendingBytes, -line.Length);
            Overflow();
            return false;
        }

        if (!_output.Writer.TryWrite(line))
        {
            Interlocked.Add(ref _pendingBytes, -line.Length);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Starts closing: no more lines are read, <paramref name="finalLine"/> (if
    /// any) is queued last, and what is queued is flushed within the drain timeout.
    /// Only the first call has any effect.
    /// </summary>
    public void Close(string reason, byte[]? finalLine = null)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }

        if (finalLine is not null && _output.Writer.TryWrite(finalLine))
        {
            Interlocked.Add(ref _pendingBytes, finalLine.Length);
        }

        _output.Writer.TryComplete();
        try
        {
            _readCancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // DisposeAsync won the race between our check above and here: the read loop is gone already.
        }
    }

    /// <summary>Waits for the queued lines to be written (within the drain timeout), then closes the stream.</summary>
    public async ValueTask DisposeAsync()
    {
        Close("Connection closed");
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_writer is not null)
        {
            await Task.WhenAny(_writer, Task.Delay(_options.DrainTimeout)).ConfigureAwait(false);
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

        await _stream.DisposeAsync().ConfigureAwait(false);
        if (_writer is not null)
        {
            try
            {
                await _writer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }

        await _input.CompleteAsync().ConfigureAwait(false);
        _readCancel.Dispose();
    }

    private void Overflow()
    {
        // The queue is full of lines the client will not read in time: they are
        // dropped, and the one line still worth sending is the reason.
        if (Interlocked.CompareExchange(ref _closeReason, SendQExceeded, null) is not null)
        {
            return;
        }

        while (_output.Reader.TryRead(out var dropped))
        {
            Interlocked.Add(ref _pendingBytes, -dropped.Length);
        }

        var error = "ERROR :SendQ exceeded\r\n"u8.ToArray();
        if (_output.Writer.TryWrite(error))
        {
            Interlocked.Add(ref _pendingBytes, error.Length);
        }

        _output.Writer.TryComplete();
        try
        {
            _readCancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // DisposeAsync won the race between our check above and here: the read loop is gone already.
        }
    }

    private async Task<string> ReadLoopAsync(ILineHandler handler)
    {
        bool skipping = false;
        var token = _readCancel.Token;
        while (!IsClosing)
        {
            ReadResult result = await _input.ReadAsync(token).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            long before = buffer.Length;
            while (!IsClosing && LineFraming.TryTakeLine(ref buffer, out var line))
            {
                if (skipping)
                {
                    // The tail of a line that was too long.
                    skipping = false;
                    continue;
                }

                if (line.Length > _options.MaxLineLength)
                {
                    handler.OnLineTooLong();
                    continue;
                }

                if (!line.IsEmpty)
                {
                    await handler.OnLineAsync(line).ConfigureAwait(false);
                }
            }

            if (!skipping && buffer.Length > _options.MaxLineLength)
            {
                skipping = true;
                handler.OnLineTooLong();
            }

            if (skipping)
            {
                buffer = buffer.Slice(buffer.End);
            }

            if (result.IsCompleted && !buffer.IsEmpty && !skipping && !IsClosing)
            {
                // A last line without its terminator is still a line.
                await handler.OnLineAsync(buffer).ConfigureAwait(false);
                buffer = buffer.Slice(buffer.End);
            }

            Interlocked.Add(ref _bytesIn, before - buffer.Length);
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return "Connection closed";
            }

            if (result.IsCanceled)
            {
                break;
            }
        }

        return CloseReason ?? "Connection closed";
    }

    private async Task WriteLoopAsync()
    {
        var reader = _output.Reader;
        byte[]? batch = null;

        // A line taken from the queue that did not fit the last write goes first in the next.
        byte[]? carried = null;
        try
        {
            while (carried is not null || await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Gather what is waiting into one write; the buffer is rented only
                // while there is something to send, so idle connections hold none.
                batch ??= ArrayPool<byte>.Shared.Rent(_options.WriteCoalesceBytes);
                int used = 0;
                while (carried is not null || reader.TryRead(out carried))
                {
                    var next = carried;
                    if (used > 0 && used + next.Length > batch.Length)
                    {
                        break;
                    }

                    carried = null;
                    if (next.Length > batch.Length)
                    {
                        await WriteAsync(next).ConfigureAwait(false);
                        continue;
                    }

                    next.CopyTo(batch, used);
                    used += next.Length;
                }

                if (used > 0)
                {
                    await WriteAsync(batch.AsMemory(0, used)).ConfigureAwait(false);
                }

                if (carried is null && reader.Count == 0)
                {
                    ArrayPool<byte>.Shared.Return(batch);
                    batch = null;
                    await _stream.FlushAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(DescribeWriteError(ex));
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
        await _stream.WriteAsync(bytes).ConfigureAwait(false);
        Interlocked.Add(ref _pendingBytes, -bytes.Length);
        Interlocked.Add(ref _bytesOut, bytes.Length);
    }

    private static string DescribeReadError(Exception ex) => ex switch
    {
        IOException { InnerException: SocketException se } => DescribeSocketError(se),
        SocketException se => DescribeSocketError(se),
        _ => "Connection closed",
    };

    private static string DescribeWriteError(Exception ex) => DescribeReadError(ex);

    private static string DescribeSocketError(SocketException se) => se.SocketErrorCode switch
    {
        SocketError.ConnectionReset => "Connection reset by peer",
        SocketError.ConnectionAborted or SocketError.OperationAborted => "Connection aborted",
        SocketError.TimedOut => "Connection timed out",
        _ => $"Socket error: {se.SocketErrorCode}",
    };
}
