using Chat.Core.Protocol;

namespace Chat.Server.Tests;

public class UserQueryTests
{
    [Fact]
    public async Task Who_channel_lists_members_with_away_flag_operator_prefix_and_hopcount()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.JoinAsync("ana", "#room");
        using var beto = await server.JoinAsync("beto", "#room");
        ana.Send("AWAY :lunch");
        await ana.ExpectAsync(m => m.Command == "306");

        var replies = await beto.AskAsync("WHO #room", "315");

        var who = replies.Where(m => m.Command == "352").ToList();
        Assert.Equal(2, who.Count);
        var anaLine = Assert.Single(who, m => m.Parameters[5] == "ana");
        Assert.Equal(["beto", "#room", "~ana", "127.0.0.1", "test.server", "ana", "G@", "0 ana test"], anaLine.Parameters);
        var betoLine = Assert.Single(who, m => m.Parameters[5] == "beto");
        Assert.Equal("H", betoLine.Parameters[6]);
        Assert.Equal(["beto", "#room", "End of WHO list"], replies[^1].Parameters);
    }

    [Fact]
    public async Task Who_nick_and_mask_forms_answer_matching_users_and_end_with_315()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");
        using var andres = await server.RegisterAsync("andres");
        using var beto = await server.RegisterAsync("beto");

        var exact = await beto.AskAsync("WHO ana", "315");
        var line = exact.Single("352");
        Assert.Equal(["beto", "*", "~ana", "127.0.0.1", "test.server", "ana", "H", "0 ana test"], line.Parameters);
        Assert.Equal(["beto", "ana", "End of WHO list"], exact[^1].Parameters);

        var masked = await beto.AskAsync("WHO an*", "315");
        Assert.Equal(["ana", "andres"], masked.Where(m => m.Command == "352").Select(m => m.Parameters[5]).Order());

        var none = await beto.AskAsync("WHO nobody", "315");
        Assert.DoesNotContain(none, m => m.Command == "352");
    }

    [Fact]
    public async Task Who_mask_hides_invisible_users_who_share_no_room_but_an_exact_nick_finds_them()
    {
        await using var server = await TestServer.StartAsync();
        using var ghost = await server.RegisterAsync("ghost");
        ghost.Send("MODE ghost +i");
        await ghost.ExpectAsync(m => m.Command == "MODE");
        using var beto = await server.RegisterAsync("beto");

        var all = await beto.AskAsync("WHO *", "315");
        Assert.DoesNotContain(all, m => m.Command == "352" && m.Parameters[5] == "ghost");
        Assert.Contains(all, m => m.Command == "352" && m.Parameters[5] == "beto");

        var exact = await beto.AskAsync("WHO ghost", "315");
        Assert.Equal("ghost", exact.Single("352").Parameters[5]);
    }

    [Fact]
    public async Task Whox_returns_exactly_the_requested_fields_in_standard_order_with_the_token()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.JoinAsync("ana", "#room");

        // Asked as "rnfhut" but answered in the order t c u i h s n f d l a o r.
        var replies = await ana.AskAsync("WHO #room %rnfhut,42", "315");

        Assert.DoesNotContain(replies, m => m.Command == "352");
        var line = replies.Single("354");
        Assert.Equal(["ana", "42", "~ana", "127.0.0.1", "ana", "H@", "ana test"], line.Parameters);
        Assert.Equal(["ana", "#room", "End of WHO list"], replies[^1].Parameters);

        var more = await ana.AskAsync("WHO ana %cnsdlao", "315");
        var fields = more.Single("354").Parameters;
        Assert.Equal(8, fields.Count);
        Assert.Equal("*", fields[1]);
        Assert.Equal("test.server", fields[2]);
        Assert.Equal("ana", fields[3]);
        Assert.Equal("0", fields[4]);
        Assert.True(int.Parse(fields[5]) >= 0);
        Assert.Equal("0", fields[6]);
        Assert.Equal("n/a", fields[7]);
    }

    [Fact]
    public async Task Whois_answers_user_channels_server_away_idle_and_end()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.JoinAsync("ana", "#room");
        ana.Send("JOIN #other");
        await ana.ExpectAsync(m => m.Command == "366" && m.Parameters[1] == "#other");
        using var beto = await server.JoinAsync("beto", "#other");
        ana.Send("AWAY :out to lunch");
        await ana.ExpectAsync(m => m.Command == "306");

        var replies = await beto.AskAsync("WHOIS ana", "318");

        Assert.Equal(["beto", "ana", "~ana", "127.0.0.1", "*", "ana test"], replies.Single("311").Parameters);
        Assert.Equal(["beto", "ana", "@#other @#room"], replies.Single("319").Parameters);
        Assert.Equal("test.server", replies.Single("312").Parameters[2]);
        Assert.Equal(["beto", "ana", "out to lunch"], replies.Single("301").Parameters);
        var idle = replies.Single("317").Parameters;
        Assert.Equal("ana", idle[1]);
        Assert.True(long.Parse(idle[2]) >= 0);
        Assert.InRange(long.Parse(idle[3]), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.DoesNotContain(replies, m => m.Command == "313");
        Assert.Equal(["beto", "ana", "End of /WHOIS list"], replies[^1].Parameters);
    }

    [Fact]
    public async Task Whois_with_a_server_target_uses_the_second_parameter_as_the_nick()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");
        var replies = await ana.AskAsync("WHOIS test.server ana", "318");
        Assert.Equal("ana", replies.Single("311").Parameters[1]);

        var elsewhere = await ana.AskAsync("WHOIS other.server ana", "402");
        Assert.Equal(["ana", "other.server", "No such server"], elsewhere[^1].Parameters);
    }

    [Fact]
    public async Task Whois_unknown_nick_answers_401_then_318_and_without_a_nick_431()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");

        var replies = await ana.AskAsync("WHOIS ghost", "318");
        Assert.Equal(["ana", "ghost", "No such nick/channel"], replies.Single("401").Parameters);
        Assert.Equal(["ana", "ghost", "End of /WHOIS list"], replies[^1].Parameters);

        var none = await ana.AskAsync("WHOIS", "431");
        Assert.Equal(["ana", "No nickname given"], none[^1].Parameters);
    }

    [Fact]
    public async Task Whowas_lists_departed_nicks_newest_first_and_honours_the_count()
    {
        await using var server = await TestServer.StartAsync();
        using var asker = await server.RegisterAsync("asker");
        using (var first = await server.ConnectAsync())
        {
            first.Send("NICK eva");
            first.Send("USER one 0 * :First Eva");
            await first.ExpectAsync(m => m.Command is "376" or "422");
            first.Send("NICK eva2");
            await first.ExpectAsync(m => m.Command == "NICK");
        }

        using (var second = await server.ConnectAsync())
        {
            second.Send("NICK eva");
            second.Send("USER two 0 * :Second Eva");
            await second.ExpectAsync(m => m.Command is "376" or "422");
            second.Send("QUIT :bye");
            await second.ReadUntilClosedAsync();
        }

        var replies = await WaitForWhowasAsync(asker, "WHOWAS eva", expectedEntries: 2);
        var users = replies.Where(m => m.Command == "314").ToList();
        Assert.Equal(["asker", "eva", "~two", "127.0.0.1", "*", "Second Eva"], users[0].Parameters);
        Assert.Equal("~one", users[1].Parameters[2]);
        Assert.Equal(2, replies.Count(m => m.Command == "312" && m.Parameters[2] == "test.server"));
        Assert.Equal(["asker", "eva", "End of WHOWAS"], replies[^1].Parameters);

        var one = await asker.AskAsync("WHOWAS eva 1", "369");
        Assert.Equal("~two", one.Single("314").Parameters[2]);
    }

    [Fact]
    public async Task Whowas_unknown_nick_answers_406_then_369_and_without_a_nick_431()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");

        var replies = await ana.AskAsync("WHOWAS nobody", "369");
        Assert.Equal(["ana", "nobody", "There was no such nickname"], replies.Single("406").Parameters);
        Assert.Equal(["ana", "nobody", "End of WHOWAS"], replies[^1].Parameters);

        var none = await ana.AskAsync("WHOWAS", "431");
        Assert.Equal("431", none[^1].Command);
    }

    [Fact]
    public void Whowas_history_is_bounded_and_keeps_the_newest()
    {
        var history = new WhowasHistory(capacity: 3);
        for (int i = 0; i < 5; i++)
        {
            history.Add(new WhowasEntry("same", $"~u{i}", "host", "real", DateTimeOffset.UtcNow));
        }

        Assert.Equal(3, history.Count);
        Assert.Equal(["~u4", "~u3", "~u2"], history.Find("SAME", 0).Select(e => e.User));
        Assert.Equal(["~u4"], history.Find("same", 1).Select(e => e.User));
        Assert.Empty(history.Find("other", 0));
    }

    [Fact]
    public async Task Ison_answers_the_nicks_that_are_online_in_their_own_case()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("Ana");
        using var beto = await server.RegisterAsync("beto");

        var replies = await beto.AskAsync("ISON ana ghost BETO", "303");
        Assert.Equal(["beto", "Ana beto"], replies[^1].Parameters);

        var trailing = await beto.AskAsync("ISON :ghost ana", "303");
        Assert.Equal(["beto", "Ana"], trailing[^1].Parameters);

        var nobody = await beto.AskAsync("ISON ghost", "303");
        Assert.Equal(["beto", ""], nobody[^1].Parameters);
    }

    [Fact]
    public async Task Userhost_shows_away_as_minus_and_present_as_plus()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");
        using var beto = await server.RegisterAsync("beto");
        ana.Send("AWAY :gone");
        await ana.ExpectAsync(m => m.Command == "306");

        var replies = await beto.AskAsync("USERHOST ana beto ghost", "302");
        Assert.Equal(["beto", "ana=-~ana@127.0.0.1 beto=+~beto@127.0.0.1"], replies[^1].Parameters);
    }

    [Fact]
    public async Task Away_sets_and_clears_and_privmsg_to_an_away_user_answers_301_but_notice_does_not()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");
        using var beto = await server.RegisterAsync("beto");

        var set = await beto.AskAsync("AWAY :back in 5", "306");
        Assert.Equal(["beto", "You have been marked as being away"], set[^1].Parameters);

        ana.Send("PRIVMSG beto :hi");
        var away = await ana.ExpectAsync(m => m.Command == "301");
        Assert.Equal(["ana", "beto", "back in 5"], away.Parameters);
        await beto.ExpectAsync(m => m.Command == "PRIVMSG");

        ana.Send("NOTICE beto :fyi");
        Assert.DoesNotContain(await ana.SyncAsync(), m => m.Command == "301");

        var unset = await beto.AskAsync("AWAY", "305");
        Assert.Equal(["beto", "You are no longer marked as being away"], unset[^1].Parameters);
        ana.Send("PRIVMSG beto :again");
        Assert.DoesNotContain(await ana.SyncAsync(), m => m.Command == "301");
    }

    [Fact]
    public async Task Away_changes_reach_room_mates_with_away_notify_only()
    {
        await using var server = await TestServer.StartAsync();
        using var watcher = await server.ConnectAsync();
        watcher.Send("CAP LS 302");
        watcher.Send("NICK watcher");
        watcher.Send("USER watcher 0 * :Watcher");
        await watcher.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "LS");
        watcher.Send("CAP REQ :away-notify");
        await watcher.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "ACK");
        watcher.Send("CAP END");
        await watcher.ExpectAsync(m => m.Command == "376");
        watcher.Send("JOIN #room");
        await watcher.ExpectAsync(m => m.Command == "366");
        using var plain = await server.JoinAsync("plainirc", "#room");
        using var ana = await server.JoinAsync("ana", "#room");

        ana.Send("AWAY :brb");
        var away = await watcher.ExpectAsync(m => m.Command == "AWAY");
        Assert.Equal("ana", away.SourceNick);
        Assert.Equal(["brb"], away.Parameters);

        ana.Send("AWAY");
        var back = await watcher.ExpectAsync(m => m.Command == "AWAY");
        Assert.Empty(back.Parameters);

        Assert.DoesNotContain(await plain.SyncAsync(), m => m.Command == "AWAY");
    }

    [Fact]
    public async Task Away_message_is_cut_to_awaylen()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");
        using var beto = await server.RegisterAsync("beto");
        beto.Send("AWAY :" + new string('z', 300));
        await beto.ExpectAsync(m => m.Command == "306");

        var replies = await ana.AskAsync("WHOIS beto", "318");
        Assert.Equal(200, replies.Single("301").Parameters[2].Length);
    }

    /// <summary>A departure is recorded when the server sees the connection end, a moment after QUIT: retry briefly.</summary>
    private static async Task<List<IrcMessage>> WaitForWhowasAsync(TestClient client, string line, int expectedEntries)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var replies = await client.AskAsync(line, "369");
            if (replies.Count(m => m.Command == "314") >= expectedEntries || DateTime.UtcNow > deadline)
            {
                return replies;
            }

            await Task.Delay(50);
        }
    }
}
