using Chat.Server.Tests;

namespace Chat.Cluster.Tests;

/// <summary>Everyone in a room sees its messages in one order, whichever node they are on.</summary>
public sealed class OrderTests : IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _pg;

    public OrderTests(PostgresFixture pg)
    {
        _pg = pg;
    }

    [Fact]
    public async Task Concurrent_senders_on_two_nodes_are_seen_in_the_same_order_by_every_member()
    {
        const int each = 150;
        await using var nodes = await Nodes.StartAsync(await _pg.NewDatabaseAsync(), 2);
        var members = new[]
        {
            await nodes[0].WithCapsAsync("s1", "echo-message"),
            await nodes[1].WithCapsAsync("s2", "echo-message"),
            await nodes[0].WithCapsAsync("o1", "echo-message"),
            await nodes[1].WithCapsAsync("o2", "echo-message"),
        };
        try
        {
            // Everyone knows everyone before the race starts.
            await Nodes.WaitAsync(() => nodes[0].Server.State.FindChannel("#general")?.Count == 4 && nodes[1].Server.State.FindChannel("#general")?.Count == 4,
                TimeSpan.FromSeconds(15), "both nodes see four members");

            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            async Task Send(TestClient sender, string name)
            {
                await go.Task;
                for (int i = 0; i < each; i++)
                {
                    sender.Send($"PRIVMSG #general :{name} {i}");
                    if (i % 10 == 0)
                    {
                        await Task.Yield();
                    }
                }
            }

            var senders = Task.WhenAll(Task.Run(() => Send(members[0], "s1")), Task.Run(() => Send(members[1], "s2")));
            go.SetResult();
            await senders;

            var sequences = await Task.WhenAll(members.Select(async m =>
            {
                var seen = new List<string>();
                while (seen.Count < 2 * each)
                {
                    seen.Add((await m.ExpectAsync(x => x.Command == "PRIVMSG", TimeSpan.FromSeconds(30))).Parameters[1]);
                }

                return seen;
            }));

            for (int i = 1; i < sequences.Length; i++)
            {
                Assert.Equal(sequences[0], sequences[i]);
            }

            // Each sender's own messages stay in the order sent, and the two are interleaved, not one after the other.
            Assert.Equal(Enumerable.Range(0, each).Select(i => $"s1 {i}"), sequences[0].Where(s => s.StartsWith("s1 ", StringComparison.Ordinal)));
            Assert.Equal(Enumerable.Range(0, each).Select(i => $"s2 {i}"), sequences[0].Where(s => s.StartsWith("s2 ", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var m in members)
            {
                m.Dispose();
            }
        }
    }
}
