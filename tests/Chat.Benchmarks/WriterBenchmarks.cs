using BenchmarkDotNet.Attributes;
using Chat.Core.Protocol;
using Chat.Core.Transport;
using Chat.Server;

namespace Chat.Benchmarks;

/// <summary>
/// Serialising a line (IrcWriter, and Outgoing's per-capability forms), and the
/// connection writer: lines queued with LineConnection.Send and written out by
/// its writer, one at a time or in a burst of 64.
/// </summary>
[MemoryDiagnoser]
public class WriterBenchmarks
{
    private readonly IrcMessage _message = new(null, "ana!ana@127.0.0.1", "PRIVMSG", ["#general", "bench 3 123456789012"]);
    private readonly byte[] _line = IrcWriter.ToBytes(new IrcMessage(null, "ana!ana@127.0.0.1", "PRIVMSG", ["#general", "bench 3 123456789012"]));
    private SinkStream _sink = null!;
    private LineConnection _connection = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sink = new SinkStream();
        _connection = new LineConnection(_sink, null, new ConnectionOptions { SendQueueLimit = int.MaxValue });
        _ = _connection.RunAsync(new IgnoreLines());
    }

    [GlobalCleanup]
    public void Cleanup() => _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public byte[] IrcWriterToBytes() => IrcWriter.ToBytes(_message);

    /// <summary>A broadcast line in the four forms clients ask for most (none, server-time, message-tags, both).</summary>
    [Benchmark]
    public int OutgoingFourForms()
    {
        var line = new Outgoing(_message, "ana: bench") { MsgId = "01JD3Q9ZJ6W2K8" };
        return line.BytesFor(Cap.None).Length + line.BytesFor(Cap.ServerTime).Length
            + line.BytesFor(Cap.MessageTags).Length + line.BytesFor(Cap.ServerTime | Cap.MessageTags).Length;
    }

    /// <summary>One line queued and written before the next: a wake-up and a write each.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public void SendOneAtATime()
    {
        for (int i = 0; i < 64; i++)
        {
            _connection.Send(_line);
            SinkStream.WaitDrained(_connection);
        }
    }

    /// <summary>64 lines queued at once: one wake-up, coalesced writes.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public void SendBurstOf64()
    {
        for (int i = 0; i < 64; i++)
        {
            _connection.Send(_line);
        }

        SinkStream.WaitDrained(_connection);
    }
}
