using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Chat.Core.Transport;

namespace Chat.Core.Tests;

public class LineConnectionTests
{
    private static readonly TimeSpan Timeout = LoopbackPair.Timeout;

    private static byte[] Line(string text) => Encoding.UTF8.GetBytes(text + "\r\n");

    [Fact]
    public async Task LinesArriveInOrderWhateverTheWrites()
    {
        var handler = new RecordingHandler();
        await using var running = await RunningConnection.StartAsync(handler);
        var (pair, _, run) = running;

        await pair.SendAsync("PING a\r\nPRIV");
        await Task.Delay(20);
        await pair.SendAsync("MSG #a :hi there\r");
        await Task.Delay(20);
        await pair.SendAsync("\nx\ny\rz\r\n\r\n\n");
        foreach (byte b in Encoding.UTF8.GetBytes("PRIVMSG #a :héllo 😀\r\n"))
        {
            await pair.PeerStream.WriteAsync(new[] { b });
        }

        var lines = await handler.NextAsync(6);
        Assert.Equal(["PING a", "PRIVMSG #a :hi there", "x", "y", "z", "PRIVMSG #a :héllo 😀"], lines);

        // Empty lines (the LF of each CR LF, blank lines) never reach the handler.
        pair.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal("Connection closed", await run.WaitAsync(Timeout));
        Assert.Empty(handler.Drain());
        Assert.Equal(0, handler.TooLongCount);
    }

    [Fact]
    public async Task ManyLinesInOneWriteArriveInOrder()
    {
        var handler = new RecordingHandler();
        await using var running = await RunningConnection.StartAsync(handler);
        var (pair, connection, run) = running;

        var sent = Enumerable.Range(0, 2000).Select(i => $"PRIVMSG #a :message {i}").ToList();
        await pair.SendAsync(string.Concat(sent.Select(s => s + "\r\n")));

        Assert.Equal(sent, await handler.NextAsync(sent.Count));
        pair.Peer.Shutdown(SocketShutdown.Send);
        await run.WaitAsync(Timeout);
        Assert.Equal(sent.Sum(s => s.Length + 2), connection.BytesIn);
    }

    [Fact]
    public async Task LastLineWithoutTerminatorIsDeliveredAtEndOfStream()
    {
        var handler = new RecordingHandler();
        await using var running = await RunningConnection.StartAsync(handler);
        var (pair, _, run) = running;

        await pair.SendAsync("PING a\r\nQUIT :bye now");
        Assert.Equal("PING a", await handler.NextAsync());
        pair.Peer.Shutdown(SocketShutdown.Send);

        Assert.Equal("Connection closed", await run.WaitAsync(Timeout));
        Assert.Equal(["QUIT :bye now"], handler.Drain());
    }

    [Fact]
    public async Task OverLongLineInOneWriteIsReportedOnceAndTheNextLineArrives()
    {
        var options = new ConnectionOptions { MaxLineLength = 64 };
        var handler = new RecordingHandler();
        await using var running = await RunningConnection.StartAsync(handler, options);
        var (pair, connection, _) = running;

        await pair.SendAsync("PING before\r\n" + new string('x', 200) + "\r\nPING after\r\n");

        Assert.Equal(["PING before", "PING after"], await handler.NextAsync(2));
        Assert.Equal(1, handler.TooLongCount);
        Assert.Null(connection.CloseReason);
    }

    [Fact]
    public async Task OverLongLineInManyWritesIsReportedOnceAndTheNextLineArrives()
    {
        var options = new ConnectionOptions { MaxLineLength = 64 };
        var handler = new RecordingHandler();
        await using var running = await RunningConnection.StartAsync(handler, options);
        var pair = running.Pair;

        // The reader sees the line grow past the limit before its end arrives.
        await pair.SendAsync("PING before\r\n" + new string('x', 40));
        Assert.Equal("PING before", await handler.NextAsync());
        for (int i = 0; i < 10; i++)
        {
            await Task.Delay(10);
            await pair.SendAsync(new string('y', 50));
        }

        await pair.SendAsync("zzz\r\nPING after\r\n");

        Assert.Equal("PING after", await handler.NextAsync());
        Assert.Equal(1, handler.TooLongCount);
        Assert.Empty(handler.Drain());
    }

    [Fact]
    public async Task LineOfExactlyMaxLengthIsDelivered()
    {
        var options = new ConnectionOptions { MaxLineLength = 64 };
        var handler = new RecordingHandler();
        await using var running = await RunningConnection.StartAsync(handler, options);
        var pair = running.Pair;

        string exact = "PRIVMSG #a :" + new string('x', 64 - 12);
        string oneMore = exact + "y";
        await pair.SendAsync(exact);
        await Task.Delay(20);
        await pair.SendAsync("\r\n" + oneMore + "\r\n" + exact + "\n");

        Assert.Equal([exact, exact], await handler.NextAsync(2));
        Assert.Equal(1, handler.TooLongCount);
    }

    [Fact]
    public async Task OverLongLastLineAtEndOfStreamIsNotDelivered()
    {
        var options = new ConnectionOptions { MaxLineLength = 64 };
        var handler = new RecordingHandler();
        await using var running = await RunningConnection.StartAsync(handler, options);
        var (pair, _, run) = running;

        await pair.SendAsync("PING a\n" + new string('x', 100));
        pair.Peer.Shutdown(SocketShutdown.Send);

        await run.WaitAsync(Timeout);
        Assert.Equal(["PING a"], handler.Drain());
        Assert.Equal(1, handler.TooLongCount);
    }

    [Fact]
    public async Task SendPreservesOrderOfManyLines()
    {
        using var pair = await LoopbackPair.ConnectAsync();

        // A small coalescing buffer makes lines larger than it take their own path.
        var options = new ConnectionOptions { SendQueueLimit = 8 * 1024 * 1024, WriteCoalesceBytes = 1024 };
        await using var connection = LineConnection.FromSocket(pair.Server, options);
        var run = connection.RunAsync(new RecordingHandler());
        var reading = pair.ReadToEndAsync();

        var expected = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            string text = i % 97 == 0 ? $"BIG {i} " + new string('b', 3000) : $"PRIVMSG #a :line {i}";
            Assert.True(connection.Send(Line(text)), $"line {i} refused");
            expected.Append(text).Append("\r\n");
        }

        connection.Close("done");
        await connection.DisposeAsync();

        string received = await reading;
        Assert.Equal(expected.ToString(), received);
        Assert.Equal(Encoding.UTF8.GetByteCount(received), connection.BytesOut);
        Assert.Equal(0, connection.PendingBytes);
        Assert.Equal("done", await run.WaitAsync(Timeout));
    }

    [Fact]
    public async Task SendFromManyThreadsLosesNothingAndKeepsEachThreadsOrder()
    {
        var options = new ConnectionOptions { SendQueueLimit = 8 * 1024 * 1024 };
        await using var running = await RunningConnection.StartAsync(new RecordingHandler(), options);
        var (pair, connection, _) = running;
        var reading = pair.ReadToEndAsync();

        const int threads = 4, perThread = 2000;
        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < perThread; i++)
            {
                Assert.True(connection.Send(Line($"T{t} {i}")));
            }
        }))).WaitAsync(Timeout);

        connection.Close("done");
        await connection.DisposeAsync();

        var lines = (await reading).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(threads * perThread, lines.Length);
        for (int t = 0; t < threads; t++)
        {
            var mine = lines.Where(l => l.StartsWith($"T{t} ", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, perThread).Select(i => $"T{t} {i}"), mine);
        }
    }

    [Fact]
    public async Task HeldWritersStartWhenTheOutermostHoldEndsAndWriteEverythingQueued()
    {
        await using var first = await RunningConnection.StartAsync(new RecordingHandler());
        await using var second = await RunningConnection.StartAsync(new RecordingHandler());
        var (a, b) = (first.Connection, second.Connection);

        using (LineConnection.HoldWriters())
        {
            using (LineConnection.HoldWriters())
            {
                Assert.True(a.Send(Line("PRIVMSG #a :one")));
                Assert.True(b.Send(Line("PRIVMSG #a :one")));
            }

            // The inner hold ended: nothing starts before the outer one does. A hold
            // belongs to its thread, so it must not span an await: this waits synchronously.
            Assert.True(a.Send(Line("PRIVMSG #a :two")));
            Assert.True(b.Send(Line("PRIVMSG #a :two")));
            Thread.Sleep(100);
            Assert.Equal(0, first.Pair.Peer.Available + second.Pair.Peer.Available);
            Assert.Equal(2 * Line("PRIVMSG #a :one").Length, a.PendingBytes);
        }

        var expected = "PRIVMSG #a :one\r\nPRIVMSG #a :two\r\n";
        foreach (var pair in new[] { first.Pair, second.Pair })
        {
            var buffer = new byte[expected.Length];
            await pair.PeerStream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
            Assert.Equal(expected, Encoding.UTF8.GetString(buffer));
        }
    }

    [Fact]
    public async Task AHandlerThatAwaitsDoesNotHoldOtherConnectionsReads()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = new GatedHandler(release.Task);
        var otherLines = new RecordingHandler();
        await using var first = await RunningConnection.StartAsync(stuck);
        await using var second = await RunningConnection.StartAsync(otherLines);

        await first.Pair.SendAsync("PRIVMSG #a :wait for me\r\nPRIVMSG #a :after\r\n");
        await stuck.Entered.WaitAsync(Timeout);
        await second.Pair.SendAsync("PRIVMSG #a :not held\r\n");
        Assert.Equal("PRIVMSG #a :not held", await otherLines.NextAsync());

        release.SetResult();
        Assert.Equal(["PRIVMSG #a :wait for me", "PRIVMSG #a :after"], await stuck.Lines.NextAsync(2));
    }

    [Fact]
    public async Task AConnectionWithMuchToReadLeavesTheOthersReadable()
    {
        var busyLines = new CountingSlowHandler(TimeSpan.FromMicroseconds(20));
        var otherLines = new RecordingHandler();
        await using var first = await RunningConnection.StartAsync(busyLines);
        await using var second = await RunningConnection.StartAsync(otherLines);

        // 100,000 lines at 20 µs each: at least 2 s of work for the busy connection's reader.
        const int count = 100_000;
        var flood = Task.Run(() => first.Pair.PeerStream.Write(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("PRIVMSG #a :x\r\n", count)))));
        var clock = Stopwatch.StartNew();
        while (busyLines.Count == 0 && clock.Elapsed < Timeout)
        {
            await Task.Delay(1);
        }

        await second.Pair.SendAsync("PRIVMSG #a :my turn\r\n");
        Assert.Equal("PRIVMSG #a :my turn", await otherLines.NextAsync());
        Assert.True(busyLines.Count < count, "the busy connection was read to the end before the other's line");
        await flood.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Takes its first line only once the gate opens; records every line.</summary>
    private sealed class GatedHandler(Task gate) : ILineHandler
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public RecordingHandler Lines { get; } = new();

        public ValueTask OnLineAsync(ReadOnlySequence<byte> line)
        {
            Lines.OnLineAsync(line);
            _entered.TrySetResult();
            return gate.IsCompleted ? ValueTask.CompletedTask : new ValueTask(gate);
        }

        public void OnLineTooLong()
        {
        }

        public void OnClosed(string reason, Exception? error)
        {
        }
    }

    /// <summary>Spends a little CPU on each line (synchronously, as parsing does) and counts them.</summary>
    private sealed class CountingSlowHandler(TimeSpan perLine) : ILineHandler
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public ValueTask OnLineAsync(ReadOnlySequence<byte> line)
        {
            var until = Stopwatch.GetTimestamp() + (long)(perLine.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(10);
            }

            Interlocked.Increment(ref _count);
            return ValueTask.CompletedTask;
        }

        public void OnLineTooLong()
        {
        }

        public void OnClosed(string reason, Exception? error)
        {
        }
    }

    [Fact]
    public void AHoldEndedOnAnotherThreadIsRefused()
    {
        var hold = LineConnection.HoldWriters();
        try
        {
            Exception? error = null;
            var other = new Thread(() => error = Record.Exception(hold.Dispose));
            other.Start();
            other.Join();
            Assert.IsType<InvalidOperationException>(error);
        }
        finally
        {
            hold.Dispose();
        }
    }

    [Fact]
    public async Task ASlowReaderGetsEverythingInOrderThroughFullSocketBuffers()
    {
        // Small kernel buffers and a peer that reads a little at a time: writes keep finding the socket full.
        using var pair = await LoopbackPair.ConnectAsync(bufferSize: 4096);
        var options = new ConnectionOptions { SendQueueLimit = 8 * 1024 * 1024 };
        await using var connection = LineConnection.FromSocket(pair.Server, options);
        var run = connection.RunAsync(new RecordingHandler());

        var expected = new StringBuilder();
        for (int i = 0; i < 4000; i++)
        {
            string text = $"PRIVMSG #a :line {i} " + new string('s', i % 300);
            Assert.True(connection.Send(Line(text)));
            expected.Append(text).Append("\r\n");
            if (i % 500 == 0)
            {
                await Task.Delay(5);
            }
        }

        var received = new MemoryStream();
        var chunk = new byte[1500];
        var clock = Stopwatch.StartNew();
        while (received.Length < Encoding.UTF8.GetByteCount(expected.ToString()) && clock.Elapsed < Timeout)
        {
            int n = await pair.PeerStream.ReadAsync(chunk).AsTask().WaitAsync(Timeout);
            received.Write(chunk, 0, n);
            if (received.Length % 7 == 0)
            {
                await Task.Delay(1);
            }
        }

        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(received.ToArray()));
        Assert.Null(connection.CloseReason);
        Assert.Equal(received.Length, connection.BytesOut);
        connection.Close("done");
        Assert.Equal("done", await run.WaitAsync(Timeout));
    }

    [Fact]
    public async Task CloseFlushesQueuedLinesAndTheFinalLineThenThePeerSeesEndOfStream()
    {
        await using var running = await RunningConnection.StartAsync(new RecordingHandler());
        var (pair, connection, run) = running;

        var expected = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            Assert.True(connection.Send(Line($"NOTICE * :queued {i}")));
            expected.Append($"NOTICE * :queued {i}\r\n");
        }

        connection.Close("Quit: bye", Line("ERROR :Closing link (Quit: bye)"));
        expected.Append("ERROR :Closing link (Quit: bye)\r\n");

        // Closing is final: nothing more is queued and the first reason stays.
        Assert.False(connection.Send(Line("NOTICE * :too late")));
        connection.Close("another reason", Line("ERROR :another"));
        Assert.Equal("Quit: bye", connection.CloseReason);
        Assert.True(connection.IsClosing);
        Assert.Equal("Quit: bye", await run.WaitAsync(Timeout));

        await connection.DisposeAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(expected.ToString(), await pair.ReadToEndAsync());

        // End of stream, not a reset: a further read returns 0.
        Assert.Equal(0, await pair.PeerStream.ReadAsync(new byte[16]).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task CloseStopsReadingLines()
    {
        var handler = new RecordingHandler();
        await using var running = await RunningConnection.StartAsync(handler);
        var (pair, connection, run) = running;

        await pair.SendAsync("PING a\r\n");
        Assert.Equal("PING a", await handler.NextAsync());
        connection.Close("Server shutting down");
        Assert.Equal("Server shutting down", await run.WaitAsync(Timeout));

        await pair.SendAsync("PING b\r\n");
        await Task.Delay(50);
        Assert.Empty(handler.Drain());
    }

    [Fact]
    public async Task DisposingWhileTheReaderWaitsEndsRunAsync()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        var connection = LineConnection.FromSocket(pair.Server);
        var run = connection.RunAsync(new RecordingHandler());
        await Task.Delay(20);

        // Nothing was sent: the reader is waiting for the socket, and must still hear that it closed.
        await connection.DisposeAsync();
        Assert.Equal("Connection closed", await run.WaitAsync(Timeout));
    }

    [Fact]
    public async Task HandlerThatThrowsEndsTheConnectionAndRunAsyncThrowsIt()
    {
        await using var running = await RunningConnection.StartAsync(new ThrowingHandler());
        var (pair, connection, run) = running;

        await pair.SendAsync("PING a\r\n");
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(Timeout));
        Assert.Equal("boom", thrown.Message);
        Assert.Equal("Internal error", connection.CloseReason);
    }

    [Fact]
    public async Task ManyIdleConnectionsEachWakeForTheirOwnLines()
    {
        // Every reader waits (on epoll on Linux) at once, then each is woken by its own peer only.
        const int Count = 50;
        var pairs = new List<LoopbackPair>();
        var connections = new List<LineConnection>();
        var handlers = new List<RecordingHandler>();
        try
        {
            for (int i = 0; i < Count; i++)
            {
                var pair = await LoopbackPair.ConnectAsync();
                pairs.Add(pair);
                var connection = LineConnection.FromSocket(pair.Server);
                connections.Add(connection);
                var handler = new RecordingHandler();
                handlers.Add(handler);
                _ = connection.RunAsync(handler);
            }

            await Task.Delay(20);
            for (int round = 0; round < 3; round++)
            {
                for (int i = Count - 1; i >= 0; i--)
                {
                    await pairs[i].SendAsync($"PRIVMSG #a :{i} {round}\r\n");
                }

                for (int i = 0; i < Count; i++)
                {
                    Assert.Equal($"PRIVMSG #a :{i} {round}", await handlers[i].NextAsync());
                }
            }

            Assert.All(handlers, h => Assert.Empty(h.Drain()));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }

            pairs.ForEach(p => p.Dispose());
        }
    }

    private sealed class ThrowingHandler : ILineHandler
    {
        public ValueTask OnLineAsync(System.Buffers.ReadOnlySequence<byte> line) => throw new InvalidOperationException("boom");

        public void OnLineTooLong()
        {
        }
    }

    [Fact]
    public async Task ALineAndTheEndArrivingTogetherAreBothSeen()
    {
        // A read that gets fewer bytes than it had room for waits for epoll instead of
        // reading again; the end of stream queued behind the line must still be read.
        for (int i = 0; i < 100; i++)
        {
            var handler = new RecordingHandler();
            await using var running = await RunningConnection.StartAsync(handler);
            await running.Pair.SendAsync("PING a\r\n");
            Assert.Equal("PING a", await handler.NextAsync());

            // The reader now waits on epoll; both the line and the end reach it in one wake-up.
            await running.Pair.SendAsync("PING b\r\n");
            running.Pair.Peer.Shutdown(SocketShutdown.Send);

            Assert.Equal("PING b", await handler.NextAsync());
            Assert.Equal("Connection closed", await running.Run.WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task PeerClosingEndsRunAsync()
    {
        await using var running = await RunningConnection.StartAsync(new RecordingHandler());
        var (pair, connection, run) = running;

        pair.Peer.Shutdown(SocketShutdown.Both);
        pair.Peer.Close();

        Assert.Equal("Connection closed", await run.WaitAsync(Timeout));
        Assert.Equal("Connection closed", connection.CloseReason);
        Assert.False(connection.Send(Line("PING x")));
    }

    [Fact]
    public async Task SendQueueOverflowClosesWithSendQExceeded()
    {
        using var pair = await LoopbackPair.ConnectAsync(bufferSize: 4096);
        var options = new ConnectionOptions { SendQueueLimit = 8 * 1024, DrainTimeout = TimeSpan.FromMilliseconds(200) };
        var connection = LineConnection.FromSocket(pair.Server, options);
        var run = connection.RunAsync(new RecordingHandler());

        // The peer never reads: the kernel buffers fill, then the queue does.
        byte[] line = Line("PRIVMSG #a :" + new string('x', 400));
        long accepted = 0;
        var clock = Stopwatch.StartNew();
        while (connection.Send(line))
        {
            accepted += line.Length;
            Assert.True(clock.Elapsed < Timeout, $"still open after {accepted} bytes");
            if (connection.PendingBytes < options.SendQueueLimit / 2)
            {
                // Give the writer loop time to push into the socket.
                await Task.Delay(1);
            }
        }

        Assert.Equal(LineConnection.SendQExceeded, connection.CloseReason);
        Assert.True(accepted > options.SendQueueLimit, $"only {accepted} bytes accepted");
        Assert.False(connection.Send(Line("PING x")));
        Assert.Equal(LineConnection.SendQExceeded, await run.WaitAsync(Timeout));

        await connection.DisposeAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(LineConnection.SendQExceeded, connection.CloseReason);
    }

    [Fact]
    public async Task SendQueueOverflowDropsWhatWasQueuedAndSendsTheError()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        var options = new ConnectionOptions { SendQueueLimit = 1024 };
        var connection = LineConnection.FromSocket(pair.Server, options);

        // Nothing is written before RunAsync starts the writer, so the queue fills.
        byte[] line = Line("NOTICE * :" + new string('n', 100));
        int accepted = 0;
        while (connection.Send(line))
        {
            accepted++;
            Assert.True(accepted < 1000, "never overflowed");
        }

        Assert.Equal(1024 / line.Length, accepted);
        Assert.Equal(LineConnection.SendQExceeded, connection.CloseReason);

        var run = connection.RunAsync(new RecordingHandler());
        Assert.Equal(LineConnection.SendQExceeded, await run.WaitAsync(Timeout));
        await connection.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.Equal("ERROR :SendQ exceeded\r\n", await pair.ReadToEndAsync());
    }

    [Fact]
    public async Task PendingBytesTracksTheQueue()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var connection = LineConnection.FromSocket(pair.Server);
        byte[] line = Line("PING x");
        Assert.True(connection.Send(line));
        Assert.True(connection.Send(line));
        Assert.Equal(2 * line.Length, connection.PendingBytes);

        var run = connection.RunAsync(new RecordingHandler());
        var buffer = new byte[2 * line.Length];
        await pair.PeerStream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
        Assert.Equal("PING x\r\nPING x\r\n", Encoding.UTF8.GetString(buffer));

        var clock = Stopwatch.StartNew();
        while (connection.PendingBytes != 0 && clock.Elapsed < Timeout)
        {
            await Task.Delay(5);
        }

        Assert.Equal(0, connection.PendingBytes);
        Assert.Equal(2 * line.Length, connection.BytesOut);
    }
}
