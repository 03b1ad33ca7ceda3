using Chat.Tests.Shared;

namespace Chat.Server.Tests;

/// <summary>Several `chat serve` processes on one PostgreSQL, one of them killed with SIGKILL.</summary>
public class NodeProcessTests
{
    private static Dictionary<string, string> ShortTimeouts() => new()
    {
        ["CHAT_Cluster__HeartbeatSeconds"] = "1",
        ["CHAT_Cluster__NodeTimeoutSeconds"] = "3",
    };

    [Fact]
    public async Task A_node_killed_with_sigkill_is_noticed_its_users_quit_and_their_nicks_are_free()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        string database = await cluster.CreateDatabaseAsync("chat");
        using var folder1 = new TempFolder();
        using var folder2 = new TempFolder();
        using var node1 = await ChatProcess.StartAsync(folder1.Path, ShortTimeouts(), "--no-flood-control", "--database", database, "--node-name", "n1");
        using var node2 = await ChatProcess.StartAsync(folder2.Path, ShortTimeouts(), "--no-flood-control", "--database", database, "--node-name", "n2");

        using var ana = await CrashSafetyTests.ConnectAsync(node1.Port, "ana", "message-tags");
        using var bob = await CrashSafetyTests.ConnectAsync(node2.Port, "bob", "message-tags");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "bob");

        // Across the nodes, both ways, before the crash.
        bob.Send("PRIVMSG #general :from n2");
        await ana.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "from n2");
        ana.Send("PRIVMSG bob :private, from n1");
        await bob.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "private, from n1");

        // The nick is held across nodes while its owner is online.
        using (var thief = await TestClient.ConnectAsync(node1.Port))
        {
            thief.Send("NICK bob");
            thief.Send("USER x 0 * :x");
            await thief.ExpectAsync(m => m.Command == "433");
        }

        var killed = System.Diagnostics.Stopwatch.StartNew();
        node2.KillHard();
        var quit = await ana.ExpectAsync(m => m.Command == "QUIT" && m.SourceNick == "bob", TimeSpan.FromSeconds(15));
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(10), $"the dead node was noticed after {killed.Elapsed}");
        Assert.Contains("n2", quit.Parameters[0]);

        // Its nick is free again.
        using var newBob = await CrashSafetyTests.ConnectAsync(node1.Port, "bob", "message-tags", join: false);
    }

    [Fact]
    public async Task A_node_restarted_under_its_name_after_sigkill_takes_over_at_once()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        string database = await cluster.CreateDatabaseAsync("chat");
        using var folder1 = new TempFolder();
        using var folder2 = new TempFolder();

        // The default node timeout (10 s): only the takeover can be quicker.
        using var node1 = await ChatProcess.StartAsync(folder1.Path, "--no-flood-control", "--database", database, "--node-name", "n1");
        var node2 = await ChatProcess.StartAsync(folder2.Path, "--no-flood-control", "--database", database, "--node-name", "n2");
        using var ana = await CrashSafetyTests.ConnectAsync(node1.Port, "ana", "message-tags");
        using (var bob = await CrashSafetyTests.ConnectAsync(node2.Port, "bob", "message-tags"))
        {
            await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "bob");
            node2.KillHard();
            node2.Dispose();
        }

        var restarted = System.Diagnostics.Stopwatch.StartNew();
        using var again = await ChatProcess.StartAsync(folder2.Path, "--no-flood-control", "--database", database, "--node-name", "n2");
        await ana.ExpectAsync(m => m.Command == "QUIT" && m.SourceNick == "bob", TimeSpan.FromSeconds(8));
        Assert.True(restarted.Elapsed < TimeSpan.FromSeconds(8), $"the old n2's users quit only after {restarted.Elapsed}");
        using var bobAgain = await CrashSafetyTests.ConnectAsync(again.Port, "bob", "message-tags");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "bob");
    }

    [Fact]
    public async Task Three_node_processes_share_a_room_and_its_history()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        string database = await cluster.CreateDatabaseAsync("chat");
        var folders = Enumerable.Range(0, 3).Select(_ => new TempFolder()).ToList();
        var nodes = new List<ChatProcess>();
        var users = new List<TestClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                nodes.Add(await ChatProcess.StartAsync(folders[i].Path, ShortTimeouts(), "--no-flood-control", "--database", database, "--node-name", $"n{i + 1}"));
            }

            for (int i = 0; i < 3; i++)
            {
                users.Add(await CrashSafetyTests.ConnectAsync(nodes[i].Port, $"user{i + 1}", "message-tags"));
            }

            for (int i = 0; i < 3; i++)
            {
                users[i].Send($"PRIVMSG #general :hello from n{i + 1}");
            }

            for (int u = 0; u < 3; u++)
            {
                // The other two nodes' greetings, in whatever order they came.
                var expected = Enumerable.Range(1, 3).Where(i => i != u + 1).Select(i => $"hello from n{i}").ToHashSet();
                while (expected.Count > 0)
                {
                    var m = await users[u].ExpectAsync(m => m.Command == "PRIVMSG");
                    Assert.True(expected.Remove(m.Parameters[1]), $"user{u + 1} got an unexpected or repeated '{m.Parameters[1]}'");
                }
            }

            // Every node serves the same stored history.
            using var reader = await CrashSafetyTests.ConnectAsync(nodes[2].Port, "reader", "draft/chathistory batch message-tags server-time");
            var history = await CrashSafetyTests.HistoryAsync(reader, "#general");
            Assert.Equal(
                Enumerable.Range(1, 3).Select(i => $"hello from n{i}").Order(),
                history.Select(m => m.Parameters[1]).Order());
        }
        finally
        {
            users.ForEach(u => u.Dispose());
            nodes.ForEach(n => n.Dispose());
            folders.ForEach(f => f.Dispose());
        }
    }
}
