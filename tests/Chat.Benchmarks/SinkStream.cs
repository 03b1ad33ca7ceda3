using System.Buffers;
using Chat.Core.Transport;

namespace Chat.Benchmarks;

/// <summary>A stream that never has anything to read (until cancelled) and takes every write at once.</summary>
internal sealed class SinkStream : Stream
{
    public long Written;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Waits (spinning) until the connection's writer has written everything queued.</summary>
    public static void WaitDrained(LineConnection connection)
    {
        var spin = new SpinWait();
        while (connection.PendingBytes > 0)
        {
            spin.SpinOnce();
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        cancellationToken.Register(() => never.TrySetResult(0));
        return new ValueTask<int>(never.Task);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Written += buffer.Length;
        return ValueTask.CompletedTask;
    }

    public override void Write(byte[] buffer, int offset, int count) => Written += count;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>A line handler for connections that never receive a line.</summary>
internal sealed class IgnoreLines : ILineHandler
{
    public ValueTask OnLineAsync(ReadOnlySequence<byte> line) => ValueTask.CompletedTask;

    public void OnLineTooLong()
    {
    }
}
