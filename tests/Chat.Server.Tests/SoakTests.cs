using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Server.Tests;

/// <summary>
/// Memory and handle counts are read for the whole process, so these tests run
/// alone: no other test may open sockets or allocate meanwhile.
/// </summary>
[CollectionDefinition(nameof(SoakTests), DisableParallelization = true)]
public sealed class SoakCollection
{
}

[Collection(nameof(SoakTests))]
public class SoakTests
{
    private static int OpenHandles() => Directory.GetFiles("/proc/self/fd").Length;

    private static async Task CycleAsync(int port, int i)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        switch (i % 3)
        {
            case 0:
                // Registers, joins, talks and quits.
                await socket.SendAsync(Encoding.ASCII.GetBytes($"NICK soak{i}\r\nUSER s 0 * :s\r\nJOIN #soak\r\nPRIVMSG #soak :hi\r\nQUIT :bye\r\n"));
                break;
            case 1:
                // A plain user who says one thing and leaves.
                await socket.SendAsync(Encoding.ASCII.GetBytes($"plain{i}\nhola\nsalir\n"));
                break;
            default:
                // Drops the connection half-way through registering, with a reset.
                await socket.SendAsync(Encoding.ASCII.GetBytes($"NICK drop{i}\r\n"));
                socket.LingerState = new LingerOption(true, 0);
                return;
        }

        // Read until the server closes, so the cycle really completes.
        var buffer = new byte[4096];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token) > 0)
        {
        }
    }

    [Fact]
    public async Task Ten_thousand_connect_disconnect_cycles_leave_memory_and_handles_where_they_were()
    {
        await using var server = await TestServer.StartAsync();
        int port = server.Port;

        // Warm up: the first connections fill what is meant to stay (buffer pools,
        // JIT code, the 1000-entry WHOWAS history), with the same parallelism.
        await RunCyclesAsync(port, 0, Warmup);

        await WaitForNoClientsAsync(server);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        int handlesBefore = OpenHandles();

        await RunCyclesAsync(port, Warmup, 10_000);

        await WaitForNoClientsAsync(server);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        int handlesAfter = OpenHandles();

        Assert.Equal(0, server.Server.State.ChannelCount);
        Assert.True(handlesAfter - handlesBefore <= 10, $"open handles went from {handlesBefore} to {handlesAfter}");

        // 10,000 sessions that leaked even 200 bytes each would add 2 MB.
        Assert.True(memoryAfter - memoryBefore < 2 * 1024 * 1024, $"managed memory went from {memoryBefore} to {memoryAfter}");
    }

    private const int Warmup = 4000;

    private static Task RunCyclesAsync(int port, int first, int count)
    {
        int next = first - 1;
        return Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < first + count)
            {
                await CycleAsync(port, i);
            }
        }));
    }

    private static async Task WaitForNoClientsAsync(TestServer server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.Server.State.ClientCount > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{server.Server.State.ClientCount} clients still connected");
            await Task.Delay(50);
        }

        // Sessions finish disposing just after they leave the state.
        await Task.Delay(500);
    }
}
