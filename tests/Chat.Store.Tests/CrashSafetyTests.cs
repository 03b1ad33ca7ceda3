using Chat.Core.Protocol;
using Chat.Tests.Shared;

namespace Chat.Server.Tests;

public class CrashSafetyTests
{
    internal static async Task<TestClient> ConnectAsync(int port, string nick, string caps, bool join = true)
    {
        var c = await TestClient.ConnectAsync(port);
        c.Send("CAP LS 302");
        c.Send($"CAP REQ :{caps}");
        c.Send($"NICK {nick}");
        c.Send($"USER {nick} 0 * :{nick}");
        c.Send("CAP END");
        await c.ExpectAsync(m => m.Command == "376");
        if (join)
        {
            c.Send("JOIN #general");
            await c.ExpectAsync(m => m.Command == "366");
        }

        return c;
    }

    internal static async Task<List<IrcMessage>> HistoryAsync(TestClient c, string target)
    {
        c.Send($"CHATHISTORY LATEST {target} * 500");
        var start = await c.ExpectAsync(m => m.Command == "BATCH");
        string end = "-" + start.Parameters[0][1..];
        var lines = new List<IrcMessage>();
        while (true)
        {
            var m = await c.ExpectAsync(_ => true);
            if (m.Command == "BATCH" && m.Parameters[0] == end)
            {
                return lines;
            }

            lines.Add(m);
        }
    }

    [Fact]
    public Task Messages_delivered_before_a_kill_9_are_there_after_a_restart() => DeliveredSurvivesKillAsync();

    [Fact]
    public async Task On_PostgreSQL_messages_delivered_before_a_kill_9_are_there_after_a_restart()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        string database = await cluster.CreateDatabaseAsync("chat");
        await DeliveredSurvivesKillAsync("--database", database);
    }

    private static async Task DeliveredSurvivesKillAsync(params string[] store)
    {
        using var folder = new TempFolder();
        string dir = folder.Path;
        var delivered = new List<string>();
        // 300 lines from one sender: flood control would spread them over minutes.
        using (var server = await ChatProcess.StartAsync(dir, ["--no-flood-control", .. store]))
        {
            using var ana = await ConnectAsync(server.Port, "ana", "message-tags");
            using var bob = await ConnectAsync(server.Port, "bob", "message-tags");
            for (int i = 1; i <= 300; i++)
            {
                ana.Send($"PRIVMSG #general :message {i}");
            }

            ana.Send("PRIVMSG bob :a private one");
            // With several nodes possible, a room message waits for its round trip
            // through PostgreSQL while a private one to a local user does not, so the
            // private one may come among the last room messages.
            bool gotPrivate = false;
            while (delivered.Count < 300 || !gotPrivate)
            {
                var m = await bob.ExpectAsync(m => m.Command == "PRIVMSG");
                if (m.Parameters[0] == "#general")
                {
                    delivered.Add(m.Tags["msgid"]);
                }
                else
                {
                    Assert.Equal("a private one", m.Parameters[1]);
                    gotPrivate = true;
                }
            }

            // Straight after the last delivery: no QUIT, no shutdown, SIGKILL.
            server.KillHard();
        }

        using var again = await ChatProcess.StartAsync(dir, store);
        using var reader = await ConnectAsync(again.Port, "bob", "draft/chathistory batch message-tags server-time");
        var history = await HistoryAsync(reader, "#general");
        Assert.Equal(delivered, history.Select(m => m.Tags["msgid"]));
        Assert.Equal(Enumerable.Range(1, 300).Select(i => $"message {i}"), history.Select(m => m.Parameters[1]));
        var privately = await HistoryAsync(reader, "ana");
        Assert.Equal("a private one", Assert.Single(privately).Parameters[1]);
    }
}
