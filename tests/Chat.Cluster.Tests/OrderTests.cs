using Chat.Server.Tests;
using Chat.Tests.Shared;

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
        var log = new ListLogger();
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2, loggers: log.Factory());
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

            AssertSameOrder(sequences, ["s1 (n1)", "s2 (n2)", "o1 (n1)", "o2 (n2)"], log);

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

    [Fact]
    public async Task Joins_parts_and_topics_interleave_with_messages_in_one_order_on_both_nodes()
    {
        const int each = 60;
        var log = new ListLogger();
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2, loggers: log.Factory());

        // The first in creates the room and is its operator: it changes the topic.
        var topicSetter = await nodes.JoinAsync(0, "t1");
        var watchers = new[]
        {
            await nodes[0].WithCapsAsync("s1", "echo-message"),
            await nodes[1].WithCapsAsync("s2", "echo-message"),
            await nodes.JoinAsync(0, "o1"),
            await nodes.JoinAsync(1, "o2"),
        };
        var churn = await nodes.RegisterAsync(1, "churn");
        await Nodes.WaitAsync(() => nodes[0].Server.State.FindChannel("#general")?.Count == 5 && nodes[1].Server.State.FindChannel("#general")?.Count == 5,
            TimeSpan.FromSeconds(15), "both nodes see five members");

        // A starting mark: what each watcher reads after it is comparable.
        topicSetter.Send("TOPIC #general :start");
        foreach (var w in watchers)
        {
            await w.ExpectAsync(m => m.Command == "TOPIC" && m.Param(1) == "start");
        }

        using var stop = new CancellationTokenSource();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Talk(TestClient sender, string name)
        {
            await go.Task;
            for (int i = 0; i < each; i++)
            {
                sender.Send($"PRIVMSG #general :{name} {i}");
                await Task.Delay(2);
            }
        }

        async Task Churn()
        {
            await go.Task;
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                churn.Send(i % 2 == 0 ? "JOIN #general" : "PART #general");
                await churn.ExpectAsync(m => m.Command is "JOIN" or "PART" && m.SourceNick == "churn");
            }
        }

        async Task Topics()
        {
            await go.Task;
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                topicSetter.Send($"TOPIC #general :topic {i}");
                await topicSetter.ExpectAsync(m => m.Command == "TOPIC");
                await Task.Delay(5);
            }
        }

        var talking = Task.WhenAll(Task.Run(() => Talk(watchers[0], "s1")), Task.Run(() => Talk(watchers[1], "s2")));
        var changing = Task.WhenAll(Task.Run(Churn), Task.Run(Topics));
        go.SetResult();
        await talking;
        stop.Cancel();
        await changing;

        var sequences = await Task.WhenAll(watchers.Select(async w =>
        {
            // Up to the last message: what follows it may still be on its way.
            var seen = new List<string>();
            for (int messages = 0; messages < 2 * each;)
            {
                var m = await w.ExpectAsync(x => x.Command is "PRIVMSG" or "JOIN" or "PART" or "TOPIC" && x.Param(0) == "#general", TimeSpan.FromSeconds(30));
                seen.Add($"{m.Command} {m.SourceNick} {m.Param(1)}".TrimEnd());
                messages += m.Command == "PRIVMSG" ? 1 : 0;
            }

            return seen;
        }));

        Assert.Contains(sequences[0], s => s.StartsWith("JOIN churn", StringComparison.Ordinal));
        Assert.Contains(sequences[0], s => s.StartsWith("TOPIC t1", StringComparison.Ordinal));
        AssertSameOrder(sequences, ["s1 (n1)", "s2 (n2)", "o1 (n1)", "o2 (n2)"], log);
    }

    /// <summary>
    /// Every member saw what the first saw, in the same order. When not, the
    /// failure says where they part, shows both around that point, and lists what
    /// the nodes logged beyond the routine (a lost link, a bad event), so that a
    /// rare failure can be understood from the one run that shows it.
    /// </summary>
    private static void AssertSameOrder(IReadOnlyList<List<string>> sequences, string[] names, ListLogger log)
    {
        for (int i = 1; i < sequences.Count; i++)
        {
            var first = sequences[0];
            var other = sequences[i];
            int at = 0;
            while (at < first.Count && at < other.Count && first[at] == other[at])
            {
                at++;
            }

            if (at == first.Count && at == other.Count)
            {
                continue;
            }

            string Around(List<string> seen) => string.Join(" | ", seen.Skip(Math.Max(0, at - 5)).Take(12));
            var notable = log.Lines.Where(l => !l.StartsWith("Information", StringComparison.Ordinal) || l.Contains("Cluster", StringComparison.Ordinal));
            Assert.Fail($"{names[i]} parts from {names[0]} at line {at} of {first.Count} and {other.Count}:\n"
                + $"{names[0]}: ... {Around(first)}\n{names[i]}: ... {Around(other)}\n"
                + $"What the nodes logged beyond the routine:\n{string.Join('\n', notable)}");
        }
    }
}
