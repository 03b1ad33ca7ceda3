namespace Chat.Server.Tests;

public class RegistrationTests
{
    [Fact]
    public async Task Welcome_burst_has_001_to_005_and_ends_with_motd()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("NICK juan");
        c.Send("USER juan 0 * :Juan Pérez");
        var welcome = await c.ExpectAsync(m => m.Command == "001");
        Assert.Equal("juan", welcome.Parameters[0]);
        Assert.Contains("juan!~juan@127.0.0.1", welcome.Parameters[^1]);
        Assert.Equal("test.server", welcome.Source);
        await c.ExpectAsync(m => m.Command == "002");
        await c.ExpectAsync(m => m.Command == "003");
        var myInfo = await c.ExpectAsync(m => m.Command == "004");
        Assert.Equal("test.server", myInfo.Parameters[1]);
        var isupport = await c.ExpectAsync(m => m.Command == "005");
        Assert.Equal("are supported by this server", isupport.Parameters[^1]);
        await c.ExpectAsync(m => m.Command == "376");
    }

    [Fact]
    public async Task Isupport_advertises_what_the_server_does()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("NICK ana");
        c.Send("USER ana 0 * :Ana");
        var tokens = new List<string>();
        while (true)
        {
            var m = await c.ExpectAsync(m => m.Command is "005" or "376");
            if (m.Command == "376")
            {
                break;
            }

            tokens.AddRange(m.Parameters.Skip(1).Take(m.Parameters.Count - 2));
        }

        Assert.Equal(server.Server.Info.IsupportTokens, tokens);
        Assert.Contains("CASEMAPPING=ascii", tokens);
        Assert.Contains("CHANTYPES=#", tokens);
        Assert.Contains("PREFIX=(ov)@+", tokens);
        Assert.Contains("NICKLEN=30", tokens);

        // NICKLEN is really 30: 30 characters pass, 31 do not.
        c.Send("NICK " + new string('a', 31));
        await c.ExpectAsync(m => m.Command == "432");
        c.Send("NICK " + new string('a', 30));
        await c.ExpectAsync(m => m.Command == "NICK" && m.Parameters[0] == new string('a', 30));
    }

    [Fact]
    public async Task Cap_ls_302_holds_registration_until_cap_end()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("CAP LS 302");
        c.Send("NICK capper");
        c.Send("USER capper 0 * :Cap");
        var ls = await c.ExpectAsync(m => m.Command == "CAP");
        Assert.Equal(["*", "LS", Capabilities.LsValue(302)], ls.Parameters);
        await c.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
        c.Send("CAP REQ :server-time");
        var ack = await c.ExpectAsync(m => m.Command == "CAP");
        Assert.Equal("ACK", ack.Parameters[1]);
        await c.ExpectSilenceAsync(TimeSpan.FromMilliseconds(200));
        c.Send("CAP END");
        await c.ExpectAsync(m => m.Command == "001");
    }

    [Fact]
    public async Task Taken_nick_gets_433_case_insensitively_and_another_can_be_chosen()
    {
        await using var server = await TestServer.StartAsync();
        using var first = await server.RegisterAsync("Juan");
        using var second = await server.ConnectAsync();
        second.Send("NICK jUAN");
        second.Send("USER x 0 * :x");
        var taken = await second.ExpectAsync(m => m.Command == "433");
        Assert.Equal(["*", "jUAN", "Nickname is already in use"], taken.Parameters);
        second.Send("NICK Juana");
        var welcome = await second.ExpectAsync(m => m.Command == "001");
        Assert.Equal("Juana", welcome.Parameters[0]);
    }

    [Fact]
    public async Task Accented_nicks_are_unique_regardless_of_case()
    {
        await using var server = await TestServer.StartAsync();
        using var first = await server.RegisterAsync("María");
        using var second = await server.ConnectAsync();
        second.Send("NICK MARÍA");
        await second.ExpectAsync(m => m.Command == "433");
    }

    [Theory]
    [InlineData("9lives")]
    [InlineData("-dash")]
    [InlineData("a!b")]
    [InlineData("a@b")]
    [InlineData("a,b")]
    [InlineData("#chan")]
    public async Task Erroneous_nick_gets_432(string nick)
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send($"NICK {nick}");
        var reply = await c.ExpectAsync(m => m.Command == "432");
        Assert.Equal(nick, reply.Parameters[1]);
    }

    [Fact]
    public async Task Errors_use_the_numerics_the_specs_name()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("JOIN #general");
        await c.ExpectAsync(m => m.Command == "451");
        c.Send("NICK");
        await c.ExpectAsync(m => m.Command == "431");
        c.Send("USER onlytwo 0");
        var more = await c.ExpectAsync(m => m.Command == "461");
        Assert.Equal("USER", more.Parameters[1]);
        await c.RegisterAsync("errs");
        c.Send("USER again 0 * :again");
        await c.ExpectAsync(m => m.Command == "462");
        c.Send("FROBNICATE now");
        var unknown = await c.ExpectAsync(m => m.Command == "421");
        Assert.Equal("FROBNICATE", unknown.Parameters[1]);
        c.Send("JOIN");
        await c.ExpectAsync(m => m.Command == "461" && m.Parameters[1] == "JOIN");
        c.Send("PRIVMSG");
        await c.ExpectAsync(m => m.Command == "411");
        c.Send("PRIVMSG #general");
        await c.ExpectAsync(m => m.Command == "412");
        c.Send("PRIVMSG nobody :hi");
        await c.ExpectAsync(m => m.Command == "401" && m.Parameters[1] == "nobody");
        c.Send("PRIVMSG #nowhere :hi");
        await c.ExpectAsync(m => m.Command == "403" && m.Parameters[1] == "#nowhere");
        c.Send("PART #nowhere");
        await c.ExpectAsync(m => m.Command == "403");
        c.Send("JOIN nohash");
        await c.ExpectAsync(m => m.Command == "403");
    }

    [Fact]
    public async Task Ping_is_answered_with_pong()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.RegisterAsync("pinger");
        c.Send("PING :token 123");
        var pong = await c.ExpectAsync(m => m.Command == "PONG");
        Assert.Equal(["test.server", "token 123"], pong.Parameters);
    }

    [Fact]
    public async Task Quiet_client_is_pinged_and_dropped_when_it_does_not_answer()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            PingInterval = TimeSpan.FromMilliseconds(300),
            PingTimeout = TimeSpan.FromMilliseconds(600),
        });
        using var answers = await server.RegisterAsync("answers");
        using var silent = await server.RegisterAsync("silent");

        // "answers" answers every PING, as a client does, for as long as the test
        // runs; once "silent" is gone it checks that it is still connected.
        var silentGone = new TaskCompletionSource();
        var answering = Task.Run(async () =>
        {
            int pings = 0;
            while (true)
            {
                var m = await answers.ExpectAsync(m => m.Command is "PING" or "PONG");
                if (m.Command == "PONG")
                {
                    return (pings, m.Parameters[^1]);
                }

                pings++;
                answers.Send($"PONG :{m.Parameters[0]}");
                if (silentGone.Task.IsCompleted)
                {
                    answers.Send("PING :still");
                }
            }
        });
        await silent.ExpectAsync(m => m.Command == "PING");
        var closing = await silent.ReadUntilClosedAsync();
        Assert.Contains(closing, l => l.StartsWith("ERROR :", StringComparison.Ordinal) && l.Contains("Ping timeout"));
        silentGone.SetResult();

        // The client that answered is still there, after more PINGs than one.
        var (pingsAnswered, pong) = await answering;
        Assert.Equal("still", pong);
        Assert.True(pingsAnswered >= 2, $"answered {pingsAnswered} PINGs");
    }

    [Fact]
    public async Task Connection_that_never_registers_is_closed()
    {
        await using var server = await TestServer.StartAsync(o => o with { RegistrationTimeout = TimeSpan.FromMilliseconds(400) });
        using var c = await server.ConnectAsync();
        c.Send("NICK halfway");
        var lines = await c.ReadUntilClosedAsync();
        Assert.Contains(lines, l => l.StartsWith("ERROR :", StringComparison.Ordinal));
        Assert.Null(server.Server.State.FindNick("halfway"));
    }

    [Fact]
    public async Task Quit_closes_with_error_and_frees_the_nick()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.RegisterAsync("leaver");
        c.Send("QUIT :see you");
        var lines = await c.ReadUntilClosedAsync();
        Assert.Contains(lines, l => l == "ERROR :Closing Link: 127.0.0.1 (Quit: see you)");
        using var again = await server.RegisterAsync("leaver");
    }

    [Fact]
    public async Task Nick_change_is_announced_to_room_mates_once()
    {
        await using var server = await TestServer.StartAsync();
        using var a = await server.JoinAsync("alpha");
        using var b = await server.JoinAsync("bravo");
        a.Send("JOIN #second");
        await a.ExpectAsync(m => m.Command == "366");
        b.Send("JOIN #second");
        await b.ExpectAsync(m => m.Command == "366");
        a.Send("NICK alef");
        var self = await a.ExpectAsync(m => m.Command == "NICK");
        Assert.Equal("alpha!~alpha@127.0.0.1", self.Source);
        var seen = await b.ExpectAsync(m => m.Command == "NICK");
        Assert.Equal("alef", seen.Parameters[0]);
        b.Send("PING :fence");
        await b.ExpectAsync(m => m.Command == "PONG");
        Assert.Single(b.Seen, l => l.Contains(" NICK ", StringComparison.Ordinal));
        Assert.NotNull(server.Server.State.FindNick("alef"));
        Assert.Null(server.Server.State.FindNick("alpha"));
    }
}
