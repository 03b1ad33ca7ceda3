using Chat.Server.Storage;
using Chat.Tests.Shared;

namespace Chat.Server.Tests;

/// <summary>Servers whose store is PostgreSQL (ServerOptions.Cluster.Database): history and accounts as with SQLite, shared between servers.</summary>
[Collection("PostgreSQL")]
public sealed class PostgresServerTests(PostgresFixture postgres)
{
    private const string HistoryCaps = "draft/chathistory batch server-time message-tags";

    private async Task<Func<ServerOptions, ServerOptions>> OnNewDatabaseAsync()
    {
        string database = await postgres.CreateDatabaseAsync("server");
        return o => o with { Cluster = o.Cluster with { Database = database } };
    }

    [Fact]
    public async Task Chathistory_latest_returns_the_stored_messages_also_from_a_second_server()
    {
        var onDatabase = await OnNewDatabaseAsync();
        await using var first = await TestServer.StartAsync(onDatabase);
        Assert.IsType<PostgresChatStore>(first.Server.Store);
        using var ana = await first.WithCapsAsync("ana", "echo-message message-tags server-time");
        using var bob = await first.WithCapsAsync("bob", HistoryCaps);
        ana.Send("@+draft/react=x PRIVMSG #general :uno");
        var echo = await ana.ExpectAsync(m => m.Command == "PRIVMSG");
        await HistoryTests.SayAsync(ana, bob, "#general", "dos", "tres");

        bob.Send("CHATHISTORY LATEST #general * 10");
        var (_, lines) = await HistoryTests.ReadBatchAsync(bob);
        Assert.Equal(["uno", "dos", "tres"], lines.Select(l => l.Parameters[1]));
        Assert.Equal(echo.Tags["msgid"], lines[0].Tags["msgid"]);
        Assert.Equal(echo.Tags["time"], lines[0].Tags["time"]);
        Assert.Equal("x", lines[0].Tags["+draft/react"]);

        // Another server on the same database answers from the same history.
        await using var second = await TestServer.StartAsync(onDatabase);
        using var eva = await second.WithCapsAsync("eva", HistoryCaps);
        eva.Send($"CHATHISTORY AFTER #general msgid={echo.Tags["msgid"]} 10");
        (_, lines) = await HistoryTests.ReadBatchAsync(eva);
        Assert.Equal(["dos", "tres"], lines.Select(l => l.Parameters[1]));
    }

    [Fact]
    public async Task An_account_registered_on_one_server_logs_in_with_sasl_plain_on_another()
    {
        var onDatabase = await OnNewDatabaseAsync();
        await using (var first = await TestServer.StartAsync(onDatabase))
        {
            using var juan = await AccountTests.RegisteredAsync(first, "Juan");
        }

        await using var second = await TestServer.StartAsync(onDatabase);
        using var c = await AccountTests.OpenAsync(second, "Juan");
        c.Send("AUTHENTICATE PLAIN");
        await c.ExpectAsync(m => m.Command == "AUTHENTICATE" && m.Parameters[0] == "+");
        c.Send("AUTHENTICATE " + AccountTests.B64($"\0JUAN\0{AccountTests.Password}"));
        var loggedIn = await c.ExpectAsync(m => m.Command == "900");
        Assert.Equal("Juan", loggedIn.Parameters[2]);
        await c.ExpectAsync(m => m.Command == "903");
        c.Send("CAP END");
        await c.ExpectAsync(m => m.Command == "001");

        c.Send("QUIT");
        await c.ReadUntilClosedAsync();

        // The name stays taken on every server.
        using var other = await AccountTests.OpenAsync(second, "juan", "draft/account-registration");
        other.Send($"REGISTER * * {AccountTests.Password}");
        var refused = await other.ExpectAsync(m => m.Command is "FAIL" or "REGISTER");
        Assert.Equal(["REGISTER", "ACCOUNT_EXISTS"], refused.Parameters.Take(2));
    }

    [Fact]
    public async Task While_the_database_is_away_chat_goes_on_chathistory_answers_fail_and_the_messages_are_stored_after()
    {
        var onDatabase = await OnNewDatabaseAsync();
        using var loggers = new CapturingLoggerFactory();
        await using var server = await TestServer.StartAsync(o => onDatabase(o) with { Store = o.Store with { OutageGrace = TimeSpan.FromMilliseconds(500) } }, loggers);
        using var ana = await server.WithCapsAsync("ana", "message-tags server-time");
        using var bob = await server.WithCapsAsync("bob", HistoryCaps);
        await HistoryTests.SayAsync(ana, bob, "#general", "before");
        await postgres.Cluster.StopAsync();
        try
        {
            // After the grace, messages are delivered though they cannot be stored yet.
            await HistoryTests.SayAsync(ana, bob, "#general", "during 1", "during 2");

            bob.Send("CHATHISTORY LATEST #general * 10");
            var fail = await bob.ExpectAsync(m => m.Command is "FAIL" or "BATCH");
            Assert.Equal("FAIL", fail.Command);
            Assert.Equal(["CHATHISTORY", "MESSAGE_ERROR"], fail.Parameters.Take(2));
        }
        finally
        {
            await postgres.Cluster.StartAgainAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            bob.Send("CHATHISTORY LATEST #general * 10");
            var answer = await bob.ExpectAsync(m => m.Command is "FAIL" or "BATCH");
            if (answer.Command == "BATCH")
            {
                var lines = new List<string>();
                for (var m = await bob.ExpectAsync(_ => true); m.Command != "BATCH"; m = await bob.ExpectAsync(_ => true))
                {
                    lines.Add(m.Parameters[1]);
                }

                if (lines.Count == 3 || DateTime.UtcNow > deadline)
                {
                    Assert.Equal(["before", "during 1", "during 2"], lines);
                    break;
                }
            }
            else
            {
                Assert.True(DateTime.UtcNow < deadline, "History never came back: " + string.Join('\n', loggers.Lines));
            }

            await Task.Delay(200);
        }
    }
}
