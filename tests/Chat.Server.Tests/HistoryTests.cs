using Chat.Core.Protocol;

namespace Chat.Server.Tests;

public class HistoryTests
{
    /// <summary>Sends messages from <paramref name="sender"/> and waits until <paramref name="reader"/> got the last one.</summary>
    internal static async Task SayAsync(TestClient sender, TestClient reader, string target, params string[] texts)
    {
        foreach (var text in texts)
        {
            sender.Send($"PRIVMSG {target} :{text}");
        }

        await reader.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[^1] == texts[^1]);
    }

    /// <summary>Sends a line, then waits for a PONG: the server handled the line (and committed what it stores).</summary>
    internal static async Task SyncAsync(TestClient c, string line)
    {
        c.Send(line);
        c.Send("PING :sync");
        await c.ExpectAsync(m => m.Command == "PONG" && m.Parameters[^1] == "sync");
    }

    /// <summary>Reads a whole batch: the lines between BATCH +ref and BATCH -ref.</summary>
    internal static async Task<(IrcMessage Start, List<IrcMessage> Lines)> ReadBatchAsync(TestClient c)
    {
        var start = await c.ExpectAsync(m => m.Command == "BATCH" && m.Parameters[0].StartsWith('+'));
        string reference = start.Parameters[0][1..];
        var lines = new List<IrcMessage>();
        while (true)
        {
            var m = await c.ExpectAsync(_ => true);
            if (m.Command == "BATCH" && m.Parameters[0] == "-" + reference)
            {
                return (start, lines);
            }

            Assert.Equal(reference, m.Tags["batch"]);
            lines.Add(m);
        }
    }

    private const string FullCaps = "draft/chathistory batch server-time message-tags";

    [Fact]
    public async Task Chathistory_and_its_isupport_tokens_are_advertised()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("CAP LS 302");
        var ls = await c.ExpectAsync(m => m.Command == "CAP");
        Assert.Contains("draft/chathistory", ls.Parameters[^1].Split(' '));
        Assert.DoesNotContain("chathistory", ls.Parameters[^1].Split(' '));
        c.Send("CAP END");
        c.Send("NICK tok");
        c.Send("USER tok 0 * :tok");
        var tokens = new List<string>();
        while (true)
        {
            var m = await c.ExpectAsync(m => m.Command is "005" or "376");
            if (m.Command == "376")
            {
                break;
            }

            tokens.AddRange(m.Parameters.Skip(1).SkipLast(1));
        }

        Assert.Contains("CHATHISTORY=500", tokens);
        Assert.Contains("MSGREFTYPES=msgid,timestamp", tokens);
    }

    [Fact]
    public async Task Latest_returns_a_chathistory_batch_with_original_msgid_time_and_tags()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.WithCapsAsync("ana", "echo-message message-tags server-time");
        using var bob = await server.WithCapsAsync("bob", FullCaps);
        ana.Send("@+draft/react=x PRIVMSG #general :uno");
        var echo = await ana.ExpectAsync(m => m.Command == "PRIVMSG");
        await SayAsync(ana, bob, "#general", "dos", "tres");

        bob.Send("CHATHISTORY LATEST #general * 10");
        var (start, lines) = await ReadBatchAsync(bob);
        Assert.Equal(["chathistory", "#general"], start.Parameters.Skip(1));
        Assert.Equal(["uno", "dos", "tres"], lines.Select(l => l.Parameters[1]));
        Assert.All(lines, l => Assert.StartsWith("ana!", l.Source));
        Assert.Equal(echo.Tags["msgid"], lines[0].Tags["msgid"]);
        Assert.Equal(echo.Tags["time"], lines[0].Tags["time"]);
        Assert.Equal("x", lines[0].Tags["+draft/react"]);

        bob.Send("CHATHISTORY LATEST #general * 2");
        (_, lines) = await ReadBatchAsync(bob);
        Assert.Equal(["dos", "tres"], lines.Select(l => l.Parameters[1]));

        bob.Send($"CHATHISTORY LATEST #general msgid={echo.Tags["msgid"]} 10");
        (_, lines) = await ReadBatchAsync(bob);
        Assert.Equal(["dos", "tres"], lines.Select(l => l.Parameters[1]));
    }

    [Fact]
    public async Task Before_after_around_between_with_msgid_and_timestamp()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.WithCapsAsync("ana", "echo-message message-tags server-time");
        using var bob = await server.WithCapsAsync("bob", FullCaps);
        var ids = new List<string>();
        var times = new List<string>();
        for (int i = 1; i <= 9; i++)
        {
            ana.Send($"PRIVMSG #general :m{i}");
            var echo = await ana.ExpectAsync(m => m.Command == "PRIVMSG");
            ids.Add(echo.Tags["msgid"]);
            times.Add(echo.Tags["time"]);
            await Task.Delay(3);
        }

        async Task<string[]> Ask(string command)
        {
            bob.Send(command);
            var (_, lines) = await ReadBatchAsync(bob);
            return lines.Select(l => l.Parameters[1]).ToArray();
        }

        Assert.Equal(["m2", "m3", "m4"], await Ask($"CHATHISTORY BEFORE #general msgid={ids[4]} 3"));
        Assert.Equal(["m6", "m7"], await Ask($"CHATHISTORY AFTER #general msgid={ids[4]} 2"));
        Assert.Equal(["m4", "m5", "m6"], await Ask($"CHATHISTORY AROUND #general msgid={ids[4]} 3"));
        Assert.Equal(["m3", "m4", "m5", "m6"], await Ask($"CHATHISTORY BETWEEN #general msgid={ids[1]} msgid={ids[6]} 10"));
        Assert.Equal(["m5", "m6"], await Ask($"CHATHISTORY BETWEEN #general msgid={ids[6]} msgid={ids[1]} 2"));
        Assert.Equal(["m1", "m2"], await Ask($"CHATHISTORY BEFORE #general timestamp={times[2]} 5"));
        Assert.Equal(["m9"], await Ask($"CHATHISTORY AFTER #general timestamp={times[7]} 5"));
        Assert.Equal(["m8", "m9"], await Ask($"CHATHISTORY LATEST #general timestamp={times[6]} 5"));
        Assert.Empty(await Ask("CHATHISTORY BEFORE #general msgid=unknown 5"));
    }

    [Fact]
    public async Task Private_history_is_for_the_two_people_only_and_targets_lists_conversations()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.WithCapsAsync("ana", FullCaps);
        using var bob = await server.WithCapsAsync("bob", FullCaps);
        using var eve = await server.WithCapsAsync("eve", FullCaps);
        string from = Outgoing.FormatTime(DateTimeOffset.UtcNow.AddMinutes(-1));
        await SayAsync(ana, bob, "bob", "hola bob");
        await SayAsync(bob, ana, "ana", "hola ana");
        await Task.Delay(5);
        await SayAsync(ana, bob, "#general", "en la sala");

        bob.Send("CHATHISTORY LATEST ana * 10");
        var (start, lines) = await ReadBatchAsync(bob);
        Assert.Equal("ana", start.Parameters[2]);
        Assert.Equal(["hola bob", "hola ana"], lines.Select(l => l.Parameters[1]));

        // Eve asking about "ana" gets her own talk with ana: nothing.
        eve.Send("CHATHISTORY LATEST ana * 10");
        (_, lines) = await ReadBatchAsync(eve);
        Assert.Empty(lines);

        string to = Outgoing.FormatTime(DateTimeOffset.UtcNow.AddMinutes(1));
        bob.Send($"CHATHISTORY TARGETS timestamp={from} timestamp={to} 10");
        (start, lines) = await ReadBatchAsync(bob);
        Assert.Equal("draft/chathistory-targets", start.Parameters[1]);
        Assert.Equal(["ana", "#general"], lines.Select(l => l.Parameters[1]));
        Assert.All(lines, l => Assert.Equal(["TARGETS"], l.Parameters.Take(1)));

        eve.Send($"CHATHISTORY TARGETS timestamp={from} timestamp={to} 10");
        (_, lines) = await ReadBatchAsync(eve);
        Assert.Equal(["#general"], lines.Select(l => l.Parameters[1]));
    }

    [Fact]
    public async Task Only_members_read_a_room_and_bad_requests_get_fail_replies()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.WithCapsAsync("ana", FullCaps, join: "#secret");
        using var bob = await server.WithCapsAsync("bob", FullCaps);
        await SyncAsync(ana, "PRIVMSG #secret :x");

        async Task<string[]> Fail(string command)
        {
            bob.Send(command);
            var fail = await bob.ExpectAsync(m => m.Command == "FAIL");
            return fail.Parameters.ToArray();
        }

        Assert.Equal(["CHATHISTORY", "INVALID_TARGET", "LATEST", "#secret"], (await Fail("CHATHISTORY LATEST #secret * 10")).Take(4));
        Assert.Equal(["CHATHISTORY", "INVALID_TARGET", "BEFORE", "#bad,name"], (await Fail("CHATHISTORY BEFORE #bad,name msgid=x 10")).Take(4));
        Assert.Equal(["CHATHISTORY", "UNKNOWN_COMMAND", "SIDEWAYS"], (await Fail("CHATHISTORY SIDEWAYS #general * 10")).Take(3));
        Assert.Equal(["CHATHISTORY", "NEED_MORE_PARAMS", "BETWEEN"], (await Fail("CHATHISTORY BETWEEN #general msgid=a 10")).Take(3));
        Assert.Equal(["CHATHISTORY", "NEED_MORE_PARAMS", "*"], (await Fail("CHATHISTORY")).Take(3));
        Assert.Equal(["CHATHISTORY", "INVALID_PARAMS", "LATEST", "lots"], (await Fail("CHATHISTORY LATEST #general * lots")).Take(4));
        Assert.Equal(["CHATHISTORY", "INVALID_PARAMS", "LATEST", "0"], (await Fail("CHATHISTORY LATEST #general * 0")).Take(4));
        Assert.Equal(["CHATHISTORY", "INVALID_PARAMS", "BEFORE", "yesterday"], (await Fail("CHATHISTORY BEFORE #general yesterday 10")).Take(4));
        Assert.Equal(["CHATHISTORY", "INVALID_PARAMS", "BEFORE", "*"], (await Fail("CHATHISTORY BEFORE #general * 10")).Take(4));
        Assert.Equal(["CHATHISTORY", "INVALID_PARAMS", "TARGETS", "msgid=abc"], (await Fail("CHATHISTORY TARGETS msgid=abc timestamp=2024-01-01T00:00:00.000Z 10")).Take(4));
    }

    [Fact]
    public async Task A_labeled_chathistory_nests_its_batch_in_the_labeled_response()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.WithCapsAsync("ana", FullCaps + " labeled-response");
        using var bob = await server.JoinAsync("bob");
        await SayAsync(bob, ana, "#general", "one", "two");
        ana.Send("@label=h1 CHATHISTORY LATEST #general * 5");
        var outer = await ana.ExpectAsync(m => m.Command == "BATCH");
        Assert.Equal("h1", outer.Tags["label"]);
        Assert.Equal("labeled-response", outer.Parameters[1]);
        var inner = await ana.ExpectAsync(m => m.Command == "BATCH");
        Assert.Equal(outer.Parameters[0][1..], inner.Tags["batch"]);
        Assert.Equal("chathistory", inner.Parameters[1]);
    }

    [Fact]
    public async Task Clients_without_chathistory_get_the_last_messages_replayed_on_join()
    {
        await using var server = await TestServer.StartAsync(o => o with { Store = o.Store with { ReplayOnJoin = 3 } });
        using var ana = await server.JoinAsync("ana");
        using var bob = await server.JoinAsync("bob");
        await SayAsync(ana, bob, "#general", "a1", "a2", "a3", "a4");

        // A bare IRC client: NOTICE framing, no tags.
        using var bare = await server.RegisterAsync("bare");
        bare.Send("JOIN #general");
        await bare.ExpectAsync(m => m.Command == "366");
        var first = await bare.ExpectAsync(m => m.Command == "NOTICE");
        Assert.Equal("*** Replaying the last 3 messages of #general", first.Parameters[1]);
        var replayed = new List<IrcMessage>();
        for (int i = 0; i < 3; i++)
        {
            replayed.Add(await bare.ExpectAsync(_ => true));
        }

        Assert.Equal(["a2", "a3", "a4"], replayed.Select(m => m.Parameters[1]));
        Assert.All(replayed, m => Assert.Empty(m.Tags));
        Assert.Equal("*** End of history", (await bare.ExpectAsync(_ => true)).Parameters[1]);

        // batch + server-time: a chathistory batch with times.
        using var tagged = await server.WithCapsAsync("tagged", "batch server-time", join: null);
        tagged.Send("JOIN #general");
        var (start, lines) = await ReadBatchAsync(tagged);
        Assert.Equal("chathistory", start.Parameters[1]);
        Assert.Equal(["a2", "a3", "a4"], lines.Select(m => m.Parameters[1]));
        Assert.All(lines, m => Assert.True(m.Tags.ContainsKey("time")));

        // chathistory clients ask for themselves: no replay.
        using var modern = await server.WithCapsAsync("modern", FullCaps, join: null);
        modern.Send("JOIN #general");
        await modern.ExpectAsync(m => m.Command == "366");
        await SayAsync(ana, modern, "#general", "live");
        Assert.DoesNotContain(modern.Seen, l => IrcParser.Parse(l) is { Command: "PRIVMSG" } m && m.Parameters[^1] == "a4");

        // Plain users read "[history]" lines.
        using var plain = await server.ConnectAsync();
        plain.Send("Pepe");
        await plain.ExpectLineAsync(l => l == "*** Replaying the last 3 messages of #general");
        var line = await plain.ExpectLineAsync(_ => true);
        Assert.Matches(@"^\[history\] \[\d\d:\d\d\] ana: a3$", line);
        await plain.ExpectLineAsync(l => l.EndsWith("ana: a4", StringComparison.Ordinal));
        await plain.ExpectLineAsync(l => l == "*** End of history");
    }

    [Fact]
    public async Task A_replay_read_off_the_readers_thread_still_comes_before_the_next_commands_reply()
    {
        await using var server = await TestServer.StartAsync(o => o with { Store = o.Store with { ReplayOnJoin = 2 } });
        using var ana = await server.JoinAsync("ana");
        using var bob = await server.JoinAsync("bob");
        await SayAsync(ana, bob, "#general", "b1", "b2");

        // JOIN and PING in one write: the PONG waits for the replay.
        using var bare = await server.RegisterAsync("bare");
        bare.Send("JOIN #general\r\nPING :after");
        await bare.ExpectAsync(m => m.Command == "366");
        var rest = new List<IrcMessage>();
        for (int i = 0; i < 5; i++)
        {
            rest.Add(await bare.ExpectAsync(_ => true));
        }

        Assert.Equal(["NOTICE", "PRIVMSG", "PRIVMSG", "NOTICE", "PONG"], rest.Select(m => m.Command));
        Assert.Equal(["b1", "b2"], rest.Where(m => m.Command == "PRIVMSG").Select(m => m.Parameters[1]));
    }

    [Fact]
    public async Task Replay_on_join_speaks_spanish_to_plain_users_with_lang_es()
    {
        await using var server = await TestServer.StartAsync(o => o with { Culture = System.Globalization.CultureInfo.GetCultureInfo("es") });
        using var ana = await server.JoinAsync("ana");
        await SyncAsync(ana, "PRIVMSG #general :hola");
        using var plain = await server.ConnectAsync();
        plain.Send("Pepe");
        await plain.ExpectLineAsync(l => l == "*** Reproduciendo los últimos 1 mensajes de #general");
        await plain.ExpectLineAsync(l => l.StartsWith("[historial] [", StringComparison.Ordinal) && l.EndsWith("ana: hola", StringComparison.Ordinal));
    }
}
