using BenchmarkDotNet.Attributes;
using Chat.Core.Protocol;
using Chat.Core.Transport;
using Chat.Server;

namespace Chat.Benchmarks;

/// <summary>
/// The fan-out path without sockets: one message serialised once per capability
/// form and queued to every member's connection, then written by their writers.
/// Reported per delivery.
/// </summary>
[MemoryDiagnoser]
public class FanoutBenchmarks
{
    private readonly IrcMessage _message = new(null, "ana!ana@127.0.0.1", "PRIVMSG", ["#bench", "bench 3 123456789012"]);
    private LineConnection[] _members = [];
    private Cap[] _caps = [];

    [Params(100, 1000)]
    public int Members { get; set; }

    /// <summary>Messages per burst: 1, or 16 as a group commit delivers them.</summary>
    [Params(1, 16)]
    public int Burst { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _members = new LineConnection[Members];
        _caps = new Cap[Members];
        for (int i = 0; i < Members; i++)
        {
            _members[i] = new LineConnection(new SinkStream(), null, new ConnectionOptions { SendQueueLimit = int.MaxValue });
            _ = _members[i].RunAsync(new IgnoreLines());

            // A mix of clients: half with server-time and message-tags, as IRCv3 clients ask.
            _caps[i] = i % 2 == 0 ? Cap.None : Cap.ServerTime | Cap.MessageTags;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var member in _members)
        {
            member.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark]
    public void Broadcast()
    {
        for (int b = 0; b < Burst; b++)
        {
            var line = new Outgoing(_message, null) { MsgId = "01JD3Q9ZJ6W2K8" };
            for (int i = 0; i < _members.Length; i++)
            {
                _members[i].Send(line.BytesFor(_caps[i]));
            }
        }

        foreach (var member in _members)
        {
            SinkStream.WaitDrained(member);
        }
    }
}
