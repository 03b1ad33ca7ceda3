using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Chat.Server;

namespace Chat.Bench.Tests;

public class ScenarioTests
{
    /// <summary>A server as benchmarks run it (flood control off), or with `chat serve`'s default flood control.</summary>
    private static async Task<ChatServer> StartAsync(bool floodControl = false)
    {
        var server = new ChatServer(new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = 0,
            ServerName = "bench.test",
            Culture = CultureInfo.GetCultureInfo("en"),
            Flood = new Chat.Server.Limits.FloodOptions { Enabled = floodControl },
        });
        await server.StartAsync();
        return server;
    }

    private static BenchOptions Options(ChatServer server) => new() { Port = server.EndPoint!.Port, SourceAddresses = 2, ConnectRate = 500 };

    private static JsonElement Json(BenchResult result) => JsonDocument.Parse(result.ToJson()).RootElement;

    [Fact]
    public void Clients_are_spread_round_robin_over_the_nodes_ports()
    {
        var one = new BenchOptions { Port = 6667 };
        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(6667, one.PortFor(i)));
        var three = new BenchOptions { Port = 6667, OtherPorts = [6668, 6669] };
        Assert.Equal([6667, 6668, 6669, 6667, 6668, 6669, 6667], Enumerable.Range(0, 7).Select(three.PortFor));
    }

    [Fact]
    public async Task Connect_holds_every_client()
    {
        await using var server = await StartAsync();
        var result = Json(await Scenarios.ConnectAsync(Options(server), 40, TimeSpan.FromMilliseconds(300), Environment.ProcessId, TextWriter.Null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(40, result.GetProperty("held").GetInt32());
        Assert.Equal(0, result.GetProperty("failed").GetInt32());
        Assert.True(result.GetProperty("register_p99_ms").GetDouble() > 0);
        Assert.True(result.TryGetProperty("kib_per_client", out _));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Fanout_delivers_every_message_to_every_other_member(bool epoll)
    {
        await using var server = await StartAsync();
        var result = Json(await Scenarios.FanoutAsync(Options(server) with { UseEpoll = epoll }, 6, 2, rate: null, inFlight: 32, TimeSpan.FromSeconds(1), TextWriter.Null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        long sent = result.GetProperty("sent").GetInt64();
        Assert.True(sent > 0);
        Assert.Equal(sent * 5, result.GetProperty("expected_deliveries").GetInt64());
        Assert.Equal(0, result.GetProperty("lost").GetInt64());
        Assert.True(result.GetProperty("latency_p99_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task Fanout_at_a_fixed_rate_sends_about_that_many()
    {
        await using var server = await StartAsync();
        var result = Json(await Scenarios.FanoutAsync(Options(server), 4, 2, rate: 200, inFlight: null, TimeSpan.FromSeconds(1), TextWriter.Null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        long sent = result.GetProperty("sent").GetInt64();
        // Pacing never goes past the rate (200/s for 1 s, plus one batch of slack);
        // how close it gets below depends on how busy the machine is.
        Assert.InRange(sent, 1, 210);
        Assert.Equal(0, result.GetProperty("lost").GetInt64());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Pairs_play_ping_pong(bool epoll)
    {
        await using var server = await StartAsync();
        var result = Json(await Scenarios.PairsAsync(Options(server) with { UseEpoll = epoll }, 3, TimeSpan.FromSeconds(2), TextWriter.Null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(result.GetProperty("round_trips").GetInt64() > 10);
        Assert.True(result.GetProperty("latency_p50_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task An_open_flood_counts_what_the_members_got()
    {
        await using var server = await StartAsync();
        var result = Json(await Scenarios.FanoutAsync(Options(server), 4, 1, rate: null, inFlight: null, TimeSpan.FromMilliseconds(500), TextWriter.Null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        long sent = result.GetProperty("sent").GetInt64();
        long delivered = result.GetProperty("delivered").GetInt64();
        Assert.True(sent > 0);
        Assert.Equal(sent * 3, result.GetProperty("expected_deliveries").GetInt64());

        // A member the server cut off as a slow reader (the generator shares this
        // process with the server here) is loss, never a negative count.
        Assert.InRange(delivered, 1, sent * 3);
        Assert.Equal(sent * 3, delivered + result.GetProperty("lost").GetInt64());
    }

    [Fact]
    public async Task A_fanout_against_a_flood_limited_server_stops_waiting_at_the_drain_limit_and_counts_the_rest_as_lost()
    {
        // Flood control as `chat serve` has it by default: a burst of 5 lines, then 2 a second.
        await using var server = await StartAsync(floodControl: true);
        var log = new StringWriter();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = Json(await Scenarios.FanoutAsync(Options(server) with { DrainLimit = TimeSpan.FromSeconds(2) }, 3, 1, rate: null, inFlight: 64,
            TimeSpan.FromMilliseconds(500), log, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.True(result.GetProperty("drain_cut_off").GetBoolean());
        Assert.True(result.GetProperty("lost").GetInt64() > 0);
        Assert.Contains("flood control on?", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("stopped waiting after 2 s", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_whose_nick_is_taken_tries_again_under_another()
    {
        await using var server = await StartAsync();
        using var squatter = await BenchClient.ConnectAsync(Options(server), 0, "xf1", 512, CancellationToken.None);
        var result = Json(await Scenarios.FanoutAsync(
            Options(server) with { NickPrefix = "x" }, 3, 1, null, 8, TimeSpan.FromMilliseconds(500), TextWriter.Null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(result.GetProperty("sent").GetInt64() > 0);
        Assert.Equal(0, result.GetProperty("lost").GetInt64());
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_registration_after_the_timeout()
    {
        // Accepts (the kernel does) and never says a word.
        using var mute = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        mute.Start();
        var options = new BenchOptions { Port = ((IPEndPoint)mute.LocalEndpoint).Port, SourceAddresses = 1, RegisterTimeout = TimeSpan.FromMilliseconds(300) };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Scenarios.PairsAsync(
            options, 1, TimeSpan.FromSeconds(1), TextWriter.Null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("2 of 2 clients could not connect (first: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("no welcome within 0.3 s).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_listening_fails_every_client_at_once()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Scenarios.PairsAsync(
            new BenchOptions { Port = port, SourceAddresses = 1 }, 2, TimeSpan.FromSeconds(1), TextWriter.Null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("4 of 4 clients could not connect (first: bp0: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsent_bytes_keep_their_order_and_count_their_lines()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        var client = new LoopClient(0, "n", socket);
        client.Append("PRIVMSG a :1\r\nPRIVMSG a :2\r\nPRIV"u8);
        Assert.Equal(2, client.UnsentLines);
        client.Consume(14);
        client.Append("MSG a :3\r\n"u8.ToArray().Concat(new byte[5000]).ToArray());
        Assert.Equal(2, client.UnsentLines);
        Assert.StartsWith("PRIVMSG a :2\r\nPRIVMSG a :3\r\n", Encoding.ASCII.GetString(client.PendingSpan));
        client.Consume(client.PendingBytes);
        Assert.Equal(0, client.PendingBytes);
        Assert.Equal(0, client.UnsentLines);
    }

    [Fact]
    public void An_unfinished_line_is_carried_to_the_next_read()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        var client = new LoopClient(0, "n", socket);
        var buffer = new byte[64];
        Assert.Equal(0, client.TakeCarry(buffer));
        client.KeepCarry(":a PRIVMSG #r :ben"u8);
        Assert.Equal(18, client.TakeCarry(buffer));
        Assert.Equal(":a PRIVMSG #r :ben", Encoding.ASCII.GetString(buffer, 0, 18));
        Assert.Equal(0, client.TakeCarry(buffer));
    }

    [Theory]
    [InlineData(":srv 433 * bf7 :Nickname is already in use", true)]
    [InlineData(":srv 432 * b@d :Erroneous nickname", true)]
    [InlineData("ERROR :Closing Link: too many connections", true)]
    [InlineData(":srv 251 bf434 :There are 433 users and 0 invisible on 1 servers", false)]
    [InlineData(":srv 001 bf433 :Welcome bf433", false)]
    public void Only_a_refusal_numeric_or_error_ends_registration(string line, bool refused)
    {
        Assert.Equal(refused, BenchClient.IsRefusal(Encoding.ASCII.GetBytes(line)));
    }

    [Theory]
    [InlineData("PING :bench.test", "PONG :bench.test\r\n")]
    [InlineData("PING 12345", "PONG 12345\r\n")]
    public void A_ping_is_answered_with_its_token(string ping, string pong)
    {
        Assert.Equal(pong, Encoding.ASCII.GetString(BenchClient.Pong(Encoding.ASCII.GetBytes(ping))));
    }

    [Theory]
    [InlineData(":a!b@c PRIVMSG #r :bench 3 12345", true, 3, 12345L)]
    [InlineData("@time=x :a!b@c PRIVMSG #r :bench 10 99", true, 10, 99L)]
    [InlineData(":a!b@c PRIVMSG #r :hello there", false, 0, 0L)]
    [InlineData(":a!b@c PRIVMSG #r :bench x 1", false, 0, 0L)]
    [InlineData(":a!b@c PRIVMSG #r :bench 1 12a", false, 0, 0L)]
    [InlineData(":a!b@c PRIVMSG #r :bench 1 ", false, 0, 0L)]
    [InlineData(":a!b@c PRIVMSG #r :bench 1 -5", false, 0, 0L)]
    [InlineData(":a!b@c PRIVMSG #r :bench 1 1234567890123456789", false, 0, 0L)]
    public void Bench_messages_are_recognised(string line, bool ok, int sender, long stamp)
    {
        Assert.Equal(ok, Scenarios.TryReadBenchMessage(Encoding.ASCII.GetBytes(line), out int s, out long t));
        if (ok)
        {
            Assert.Equal(sender, s);
            Assert.Equal(stamp, t);
        }
    }

    [Fact]
    public void Percentiles_come_from_the_recorded_samples()
    {
        var recorder = new LatencyRecorder();
        for (int i = 1; i <= 100; i++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(i));
        }

        Assert.InRange(recorder.Percentile(0.5).TotalMilliseconds, 49.9, 50.1);
        Assert.InRange(recorder.Percentile(0.99).TotalMilliseconds, 98.9, 99.1);
        Assert.Equal(TimeSpan.FromMilliseconds(100), recorder.Max);
    }

    [Theory]
    [InlineData(-3, 1, "--members")]
    [InlineData(1, 1, "--members")]
    [InlineData(10, 0, "--senders")]
    [InlineData(10, 10, "--senders")]
    public async Task A_fanout_with_impossible_sizes_names_the_option_at_fault(int members, int senders, string option)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Scenarios.FanoutAsync(
            new BenchOptions { Port = 1 }, members, senders, null, 256, TimeSpan.FromSeconds(1), TextWriter.Null, CancellationToken.None));
        Assert.StartsWith(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_latency_lands_in_a_bucket_that_holds_it_within_two_tenths_of_a_percent()
    {
        int last = -1;
        for (long micros = 0; micros < 1L << 31; micros = micros < 5000 ? micros + 1 : micros + (micros / 997))
        {
            int bucket = LatencyRecorder.Bucket(micros);
            Assert.True(bucket >= last, $"{micros} µs went back to bucket {bucket}");
            long upper = LatencyRecorder.UpperMicros(bucket);
            Assert.InRange(upper, micros, micros + Math.Max(0, micros / 500));
            Assert.True(bucket == 0 || LatencyRecorder.UpperMicros(bucket - 1) < micros, $"{micros} µs also fits bucket {bucket - 1}");
            last = bucket;
        }
    }

    [Fact]
    public async Task Samples_recorded_on_several_threads_are_all_counted()
    {
        var recorder = new LatencyRecorder();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                recorder.Record(TimeSpan.FromMicroseconds(100 + t));
            }
        })));

        Assert.Equal(80_000, recorder.Count);
        Assert.Equal(TimeSpan.FromMicroseconds(107), recorder.Max);
        Assert.Equal(TimeSpan.FromMicroseconds(103), recorder.Percentile(0.5));
    }
}
