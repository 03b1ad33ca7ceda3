using System.Diagnostics;
using System.Net;
using System.Text;
using Chat.Server.Limits;

namespace Chat.Server.Tests;

public class LimitTests
{
    [Fact]
    public void Fake_lag_allows_a_burst_then_the_rate()
    {
        var lag = new FakeLag(new FloodOptions { Burst = 3, LinesPerSecond = 2 }, now: 0);
        Assert.Equal(TimeSpan.Zero, lag.Delay(0));
        Assert.Equal(TimeSpan.Zero, lag.Delay(0));
        Assert.Equal(TimeSpan.Zero, lag.Delay(0));
        Assert.Equal(TimeSpan.FromMilliseconds(500), lag.Delay(0));

        // The next line comes when the last wait is over: another half second.
        Assert.Equal(TimeSpan.FromMilliseconds(500), lag.Delay(500));

        // After a quiet while the burst is back, but never more than the burst.
        Assert.Equal(TimeSpan.Zero, lag.Delay(10_000));
        Assert.Equal(TimeSpan.Zero, lag.Delay(10_000));
        Assert.Equal(TimeSpan.Zero, lag.Delay(10_000));
        Assert.Equal(TimeSpan.FromMilliseconds(500), lag.Delay(10_000));
    }

    [Fact]
    public async Task A_flooding_client_is_slowed_and_only_it()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Flood = new FloodOptions { Burst = 5, LinesPerSecond = 10 },
        });
        using var flooder = await server.RegisterAsync("flooder");
        using var calm = await server.RegisterAsync("calm");
        var watch = Stopwatch.StartNew();
        var lines = new StringBuilder();
        for (int i = 0; i < 25; i++)
        {
            lines.Append($"PING :f{i}\r\n");
        }

        flooder.SendBytes(Encoding.ASCII.GetBytes(lines.ToString()));
        await flooder.ExpectAsync(m => m.Command == "PONG" && m.Parameters[^1] == "f4");
        var burst = watch.Elapsed;

        // The calm client is answered at once while the flooder waits.
        var calmWatch = Stopwatch.StartNew();
        calm.Send("PING :calm");
        await calm.ExpectAsync(m => m.Command == "PONG");
        Assert.True(calmWatch.Elapsed < TimeSpan.FromSeconds(1), $"calm client waited {calmWatch.Elapsed}");

        await flooder.ExpectAsync(m => m.Command == "PONG" && m.Parameters[^1] == "f24");
        watch.Stop();

        // 20 lines past the burst at 10 per second: about two seconds.
        Assert.True(burst < TimeSpan.FromSeconds(1), $"the burst took {burst}");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(1800), $"25 lines took only {watch.Elapsed}");
    }

    [Fact]
    public async Task Without_flood_control_lines_are_handled_at_once()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.RegisterAsync("fast");
        var lines = new StringBuilder();
        for (int i = 0; i < 200; i++)
        {
            lines.Append($"PING :n{i}\r\n");
        }

        var watch = Stopwatch.StartNew();
        c.SendBytes(Encoding.ASCII.GetBytes(lines.ToString()));
        await c.ExpectAsync(m => m.Command == "PONG" && m.Parameters[^1] == "n199");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"200 lines took {watch.Elapsed}");
    }

    [Fact]
    public async Task Too_many_lines_before_registering_close_the_connection()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        var lines = new StringBuilder();
        for (int i = 0; i < 40; i++)
        {
            lines.Append("PING :x\r\n");
        }

        c.SendBytes(Encoding.ASCII.GetBytes(lines.ToString()));
        var seen = await c.ReadUntilClosedAsync();
        Assert.Contains(seen, l => l.StartsWith("ERROR :", StringComparison.Ordinal) && l.Contains("too many lines", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connections_per_address_are_limited_when_loopback_is_not_exempt()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Throttle = new ThrottleOptions { ExemptLoopback = false, MaxConcurrentPerIp = 2, MaxNewPerWindow = 100 },
        });
        using var first = await server.RegisterAsync("first");
        var second = await server.RegisterAsync("second");
        using var third = await server.ConnectAsync();
        var refused = await third.ReadUntilClosedAsync();
        Assert.Contains(refused, l => l.StartsWith("ERROR :Too many connections from your address", StringComparison.Ordinal));

        // When one leaves, there is room again: once its session has closed the
        // socket, which is a little after the client has left the server's lists.
        second.Send("QUIT");
        await second.ReadUntilClosedAsync();
        second.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (server.Server.Throttle.OpenFrom(IPAddress.Loopback) > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(1, server.Server.Throttle.OpenFrom(IPAddress.Loopback));

        using var fourth = await server.RegisterAsync("fourth");
    }

    [Fact]
    public async Task New_connections_per_address_are_limited_per_window()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Throttle = new ThrottleOptions { ExemptLoopback = false, MaxConcurrentPerIp = 100, MaxNewPerWindow = 3 },
        });
        for (int i = 0; i < 3; i++)
        {
            using var ok = await server.RegisterAsync($"ok{i}");
        }

        using var refused = await server.ConnectAsync();
        var lines = await refused.ReadUntilClosedAsync();
        Assert.Contains(lines, l => l.StartsWith("ERROR :Too many new connections", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Loopback_is_exempt_by_default()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Throttle = new ThrottleOptions { MaxConcurrentPerIp = 1, MaxNewPerWindow = 1 },
        });
        using var a = await server.RegisterAsync("a");
        using var b = await server.RegisterAsync("b");
        using var c = await server.RegisterAsync("c");
    }

    [Fact]
    public async Task Slow_loris_holds_only_its_own_connection_until_registration_times_out()
    {
        await using var server = await TestServer.StartAsync(o => o with { RegistrationTimeout = TimeSpan.FromSeconds(1) });
        var lorises = new List<TestClient>();
        for (int i = 0; i < 20; i++)
        {
            lorises.Add(await server.ConnectAsync());
        }

        // Each sends one byte now and then, never finishing a line.
        var dripping = Task.Run(async () =>
        {
            for (int t = 0; t < 15; t++)
            {
                foreach (var loris in lorises)
                {
                    try
                    {
                        loris.SendBytes("N"u8.ToArray());
                    }
                    catch (IOException)
                    {
                    }
                }

                await Task.Delay(100);
            }
        });

        using var normal = await server.JoinAsync("normal");
        normal.Send("PING :unbothered");
        await normal.ExpectAsync(m => m.Command == "PONG");
        await dripping;
        foreach (var loris in lorises)
        {
            var lines = await loris.ReadUntilClosedAsync(TimeSpan.FromSeconds(5));
            Assert.Contains(lines, l => l.Contains("registration timed out", StringComparison.Ordinal));
            loris.Dispose();
        }
    }
}
