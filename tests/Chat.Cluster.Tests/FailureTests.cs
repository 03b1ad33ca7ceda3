using System.Diagnostics;
using Chat.Server.Tests;
using Chat.Tests.Shared;
using Npgsql;

namespace Chat.Cluster.Tests;

/// <summary>Races, a killed node, a database that goes away and comes back, bad events.</summary>
public sealed class FailureTests : IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _pg;

    public FailureTests(PostgresFixture pg)
    {
        _pg = pg;
    }

    [Fact]
    public async Task Two_nodes_racing_for_one_nick_give_it_to_exactly_one()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2);
        for (int round = 0; round < 25; round++)
        {
            string nick = $"race{round}";
            using var left = await TestClient.ConnectAsync(nodes[0].Port);
            using var right = await TestClient.ConnectAsync(nodes[1].Port);
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            async Task<string> Race(TestClient c)
            {
                await start.Task;
                c.Send($"NICK {nick}");
                c.Send($"USER {nick} 0 * :racer");
                return (await c.ExpectAsync(m => m.Command is "001" or "433")).Command;
            }

            var a = Race(left);
            var b = Race(right);
            start.SetResult();
            string[] outcomes = [await a, await b];
            Assert.Equal(1, outcomes.Count(o => o == "001"));
            Assert.Equal(1, outcomes.Count(o => o == "433"));
        }
    }

    [Fact]
    public async Task A_user_who_quits_gets_the_nick_back_at_once_on_the_same_node()
    {
        // The departing user's row is released by the node's writer a moment later;
        // a quick reconnect under the same nick must not be told it is in use.
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2);
        for (int round = 0; round < 10; round++)
        {
            var first = await nodes.RegisterAsync(0, "again");
            first.Send("QUIT");
            await first.ReadUntilClosedAsync();
            first.Dispose();
            using var second = await nodes.RegisterAsync(0, "again");
            second.Send("QUIT");
            await second.ReadUntilClosedAsync();
        }

        // Held on the other node, it stays refused.
        using var holder = await nodes.RegisterAsync(1, "held");
        using var taker = await nodes.ConnectAsync(0);
        taker.Send("NICK held");
        taker.Send("USER t 0 * :t");
        await taker.ExpectAsync(m => m.Command == "433");
    }

    [Fact]
    public async Task A_killed_node_is_noticed_within_the_timeout_and_its_nicks_freed()
    {
        var timeout = TimeSpan.FromSeconds(2);
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2, timeout);
        var ana = await nodes.JoinAsync(0, "ana");
        await nodes.JoinAsync(1, "beto");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");

        // As kill -9 would: no goodbye, heartbeats stop, sockets drop, rows stay.
        var clock = Stopwatch.StartNew();
        await nodes[1].Server.Cluster!.KillAsync();
        await nodes[1].Server.StopAsync();

        var quit = await ana.ExpectAsync(m => m.Command == "QUIT", TimeSpan.FromSeconds(10));
        clock.Stop();
        Assert.Equal("beto", quit.SourceNick);
        Assert.Equal("node n2 lost", quit.Parameters[0]);

        // The bound: the timeout, one heartbeat interval (300 ms) to notice, and slack for a busy machine.
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromSeconds(2.5), $"noticed after {clock.Elapsed}");
        Assert.True(clock.Elapsed > timeout - TimeSpan.FromMilliseconds(500), $"noticed too early, after {clock.Elapsed}");

        var again = await nodes.RegisterAsync(0, "beto");
        again.Send("WHOIS beto");
        Assert.Equal("~beto", (await again.ExpectAsync(m => m.Command == "311")).Parameters[2]);
    }

    [Fact]
    public async Task A_database_restart_under_traffic_keeps_local_chat_going_and_then_resynchronises()
    {
        var log = new ListLogger();
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2, loggers: log.Factory());
        var ana = await nodes.JoinAsync(0, "ana");
        var eva = await nodes.JoinAsync(0, "eva");
        var beto = await nodes.JoinAsync(1, "beto");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");
        await eva.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");
        int[] syncs = [nodes[0].Server.Cluster!.SyncCount, nodes[1].Server.Cluster!.SyncCount];

        // Traffic while the database goes away.
        using var traffic = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            for (int i = 0; !traffic.IsCancellationRequested; i++)
            {
                ana.Send($"PRIVMSG #general :tick {i}");
                await Task.Delay(20);
            }
        });

        await _pg.Cluster.StopAsync();
        await Nodes.WaitAsync(() => !nodes[0].Server.Cluster!.IsOnline && !nodes[1].Server.Cluster!.IsOnline, TimeSpan.FromSeconds(15), "both nodes notice");

        // Local users of a node keep talking to each other.
        ana.Send("PRIVMSG #general :still here");
        await eva.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "still here");

        // Meanwhile a user registers on each node with the same nick: the database will settle it.
        var left = await nodes.RegisterAsync(0, "twin");
        var right = await nodes.RegisterAsync(1, "twin");
        left.Send("JOIN #general");
        right.Send("JOIN #general");
        await left.ExpectAsync(m => m.Command == "366");
        await right.ExpectAsync(m => m.Command == "366");

        await _pg.Cluster.StartAgainAsync();
        await Nodes.WaitAsync(() => nodes[0].Server.Cluster!.SyncCount > syncs[0] && nodes[1].Server.Cluster!.SyncCount > syncs[1],
            TimeSpan.FromSeconds(30), "both nodes resynchronise");
        traffic.Cancel();
        await sending;

        // Exactly one twin was renamed, and told.
        var renamed = await Task.WhenAny(
            left.ExpectAsync(m => m.Command == "NICK" && m.SourceNick == "twin", TimeSpan.FromSeconds(15)),
            right.ExpectAsync(m => m.Command == "NICK" && m.SourceNick == "twin", TimeSpan.FromSeconds(15)));
        string newNick = (await renamed).Parameters[0];
        Assert.StartsWith("twin", newNick);
        Assert.NotEqual("twin", newNick);

        // Both nodes agree on who is who, and cross-node chat resumes.
        await nodes.SeesAsync(0, newNick);
        await nodes.SeesAsync(1, newNick);
        await nodes.SeesAsync(0, "beto");
        await nodes.SeesAsync(1, "ana");
        ana.Send("PRIVMSG #general :after the restart");
        await beto.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "after the restart", TimeSpan.FromSeconds(15));
        beto.Send("PRIVMSG ana :private again");
        await ana.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "private again");

        // Each node said once that it lost the database, and that it came back.
        Assert.Equal(1, log.Lines.Count(l => l.Contains("Node n1 lost its database connection")));
        Assert.Equal(1, log.Lines.Count(l => l.Contains("Node n2 lost its database connection")));
        Assert.Contains(log.Lines, l => l.Contains("Node n1 is back on its database"));
    }

    [Fact]
    public async Task A_node_taken_for_dead_while_alive_rejoins_with_its_users()
    {
        string database = await _pg.CreateDatabaseAsync("chat");
        await using var nodes = await Nodes.StartAsync(database, 2);
        var ana = await nodes.JoinAsync(0, "ana");
        var beto = await nodes.JoinAsync(1, "beto");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");

        // What a sweeping node does to a node that stalled past the timeout.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var sweep = new NpgsqlCommand(
                "WITH gone AS (DELETE FROM cluster_nodes WHERE name = 'n2' RETURNING id, name) " +
                "SELECT pg_notify('chat_cluster', json_build_object('v', 1, 't', 'lost', 'n', 'sweeper', 's', 1, 'to', id, 'text', name)::text) FROM gone", connection);
            await sweep.ExecuteNonQueryAsync();
        }

        Assert.Equal("node n2 lost", (await ana.ExpectAsync(m => m.Command == "QUIT" && m.SourceNick == "beto")).Parameters[0]);

        // n2 finds its row gone at its next heartbeat, rejoins and republishes: beto is back for everyone.
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto", TimeSpan.FromSeconds(15));
        beto.Send("PRIVMSG #general :still here");
        Assert.Equal("still here", (await ana.ExpectAsync(m => m.Command == "PRIVMSG")).Parameters[1]);
    }

    [Fact]
    public async Task Malformed_unknown_and_newer_events_are_logged_and_skipped()
    {
        var log = new ListLogger();
        string database = await _pg.CreateDatabaseAsync("chat");
        await using var nodes = await Nodes.StartAsync(database, 2, loggers: log.Factory());
        var ana = await nodes.JoinAsync(0, "ana");
        var beto = await nodes.JoinAsync(1, "beto");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");

        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            foreach (var payload in new[]
            {
                "not json at all",
                """{"v":99,"t":"msg","n":"future","s":1}""",
                """{"v":1,"t":"teleport","n":"other","s":1}""",
                """{"v":1,"t":"msg","n":"other","s":2,"room":"#general"}""",
                """{"v":1,"t":"join","n":"other","s":3,"u":"nobody","room":"#general"}""",
                """{"v":1,"t":"x","n":"other","s":4,"ref":123456}""",
                """{"v":1,"t":"connect","n":"other","s":5,"u":"o:1","nick":"bad nick","ident":"~x","host":"h"}""",
                """{"v":1,"t":"connect","n":"other","s":6,"u":"o:2","nick":"evil","ident":"~x","host":"h\r\nQUIT"}""",
            })
            {
                await using var notify = new NpgsqlCommand("SELECT pg_notify('chat_cluster', $1)", connection);
                notify.Parameters.AddWithValue(payload);
                await notify.ExecuteNonQueryAsync();
            }
        }

        ana.Send("PRIVMSG #general :still fine");
        Assert.Equal("still fine", (await beto.ExpectAsync(m => m.Command == "PRIVMSG")).Parameters[1]);
        Assert.Contains(log.Lines, l => l.Contains("not an event"));
        Assert.Contains(log.Lines, l => l.Contains("payload version 99"));
        Assert.Contains(log.Lines, l => l.Contains("unknown event type 'teleport'"));
        Assert.Contains(log.Lines, l => l.Contains("no longer stored"));
        Assert.Contains(log.Lines, l => l.Contains("has an invalid nick"));
        Assert.Contains(log.Lines, l => l.Contains("has a line break or NUL in a text"));
        Assert.Null(nodes[0].Server.State.FindNick("evil"));
    }
}
