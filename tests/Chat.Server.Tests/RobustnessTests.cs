using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Chat.Core.Transport;

namespace Chat.Server.Tests;

public class RobustnessTests
{
    [Fact]
    public async Task Client_that_never_reads_is_cut_off_while_the_room_keeps_chatting()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Connection = new ConnectionOptions { SendQueueLimit = 32 * 1024 },
        });
        using var talker = await server.JoinAsync("talker");
        using var listener = await server.JoinAsync("listener");
        using var stuck = await TestClient.ConnectAsync(server.Port, receiveBuffer: 4096);
        await stuck.RegisterAsync("stuck");
        stuck.Send("JOIN #general");
        await stuck.ExpectAsync(m => m.Command == "366");

        // From here on "stuck" reads nothing. The others must not be held back.
        // The talker waits for the listener after each batch, as a person would
        // keep up with a room; "stuck" never does.
        string filler = new('x', 400);
        var watch = new Stopwatch();
        var slowest = TimeSpan.Zero;
        const int batches = 1000;
        const int perBatch = 20;
        for (int b = 0; b < batches; b++)
        {
            watch.Restart();
            for (int i = 0; i < perBatch; i++)
            {
                talker.Send($"PRIVMSG #general :{b}.{i} {filler}");
            }

            for (int i = 0; i < perBatch; i++)
            {
                var m = await listener.ExpectAsync(m => m.Command is "PRIVMSG" or "QUIT");
                if (m.Command == "QUIT")
                {
                    Assert.Equal("stuck", m.SourceNick);
                    Assert.Equal("SendQ exceeded", m.Parameters[0]);
                    i--;
                    continue;
                }

                Assert.StartsWith($"{b}.{i} ", m.Parameters[1]);
            }

            slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, watch.Elapsed.Ticks));
        }

        // 20000 lines of 400 bytes is 8 MB: far past what the stuck client's
        // socket buffers and its 32 KB queue hold.
        Assert.Contains(listener.Seen, l => l == ":stuck!~stuck@127.0.0.1 QUIT :SendQ exceeded");
        // A room held up by the stuck reader would stall on some batch until the
        // cut-off; the total time says more about the machine than the server.
        Assert.True(slowest < TimeSpan.FromSeconds(5), $"a batch of {perBatch} lines took {slowest}: the room was held up");
        Assert.Null(server.Server.State.FindNick("stuck"));
    }

    [Fact]
    public async Task Oversized_line_gets_417_and_the_connection_goes_on()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.RegisterAsync("big");
        c.Send("PRIVMSG big :" + new string('a', 600));
        await c.ExpectAsync(m => m.Command == "417");
        c.SendBytes(Encoding.ASCII.GetBytes("PRIVMSG big :" + new string('b', 100_000) + "\r\n"));
        await c.ExpectAsync(m => m.Command == "417");
        c.Send("PING :alive");
        await c.ExpectAsync(m => m.Command == "PONG" && m.Parameters[^1] == "alive");
    }

    [Fact]
    public async Task Malformed_lines_do_not_break_the_connection()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.JoinAsync("messy");
        using var other = await server.JoinAsync("clean");
        c.SendBytes([0xFF, 0xFE, (byte)'\r', (byte)'\n']);
        var fail = await c.ExpectAsync(m => m.Command == "FAIL");
        Assert.Equal(["*", "INVALID_UTF8"], fail.Parameters.Take(2));
        c.SendBytes(Encoding.ASCII.GetBytes("PRIVMSG #general :nul\0here\r\n"));
        c.Send(":lonely");
        c.Send("@tag=only");
        c.Send("12345 param");
        c.Send("   ");
        c.SendBytes(Encoding.ASCII.GetBytes("PRIVMSG #general :bare cr\rPRIVMSG #general :lf only\n"));
        var first = await other.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("bare cr", first.Parameters[1]);
        var second = await other.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("lf only", second.Parameters[1]);
        Assert.DoesNotContain(other.Seen, l => l.Contains("nul", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Abrupt_disconnect_is_announced_and_frees_the_nick(bool reset)
    {
        await using var server = await TestServer.StartAsync();
        using var watcher = await server.JoinAsync("watcher");
        var gone = await server.JoinAsync("vanish");
        gone.Abort(reset);
        var quit = await watcher.ExpectAsync(m => m.Command == "QUIT");
        Assert.Equal("vanish", quit.SourceNick);
        using var again = await server.RegisterAsync("vanish");
    }

    [Fact]
    public async Task Half_sent_line_then_disconnect_is_harmless()
    {
        await using var server = await TestServer.StartAsync();
        using var watcher = await server.JoinAsync("w2");
        var c = await server.JoinAsync("half");
        c.SendBytes(Encoding.ASCII.GetBytes("PRIVMSG #general :unfinis"));
        c.Abort(reset: true);
        await watcher.ExpectAsync(m => m.Command == "QUIT" && m.SourceNick == "half");
        watcher.Send("PING :ok");
        await watcher.ExpectAsync(m => m.Command == "PONG");
    }

    [Fact]
    public async Task Stop_tells_everyone_and_finishes_quickly()
    {
        var server = await TestServer.StartAsync();
        using var irc = await server.JoinAsync("ircuser");
        using var plain = await server.PlainAsync("plainuser");
        var watch = Stopwatch.StartNew();
        await server.Server.StopAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"stop took {watch.Elapsed}");
        var ircLines = await irc.ReadUntilClosedAsync();
        Assert.Contains("ERROR :Server shutting down", ircLines);
        var plainLines = await plain.ReadUntilClosedAsync();
        Assert.Contains("*** Server shutting down", plainLines);
        await Assert.ThrowsAnyAsync<SocketException>(() => TestClient.ConnectAsync(server.Port));
    }

    [Fact]
    public async Task Many_connect_and_disconnect_cycles_leave_no_state_behind()
    {
        await using var server = await TestServer.StartAsync();
        for (int i = 0; i < 200; i++)
        {
            var c = await server.ConnectAsync();
            if (i % 2 == 0)
            {
                await c.RegisterAsync($"cycle{i}");
            }

            c.Abort(reset: i % 3 == 0);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (server.Server.State.ClientCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, server.Server.State.ClientCount);
        Assert.Equal(0, server.Server.State.ChannelCount);
    }
}
