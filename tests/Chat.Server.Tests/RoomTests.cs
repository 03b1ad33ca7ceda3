namespace Chat.Server.Tests;

public class RoomTests
{
    [Fact]
    public async Task Two_clients_see_joins_messages_and_parts()
    {
        await using var server = await TestServer.StartAsync();
        using var juan = await server.JoinAsync("Juan");
        using var maria = await server.JoinAsync("María");
        var joined = await juan.ExpectAsync(m => m.Command == "JOIN");
        Assert.Equal("María!~María@127.0.0.1", joined.Source);

        maria.Send("PRIVMSG #general :Hola Juan!");
        var msg = await juan.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("María", msg.SourceNick);
        Assert.Equal(["#general", "Hola Juan!"], msg.Parameters);

        juan.Send("PART #general :bye now");
        var part = await maria.ExpectAsync(m => m.Command == "PART");
        Assert.Equal(["#general", "bye now"], part.Parameters);
        var ownPart = await juan.ExpectAsync(m => m.Command == "PART");
        Assert.Equal("Juan", ownPart.SourceNick);
    }

    [Fact]
    public async Task Sender_does_not_get_its_own_message_back()
    {
        await using var server = await TestServer.StartAsync();
        using var a = await server.JoinAsync("a1");
        using var b = await server.JoinAsync("b1");
        a.Send("PRIVMSG #general :one");
        a.Send("PING :after");
        await a.ExpectAsync(m => m.Command == "PONG");
        Assert.DoesNotContain(a.Seen, l => l.Contains(" PRIVMSG #general", StringComparison.Ordinal));
        await b.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "one");
    }

    [Fact]
    public async Task Twenty_clients_broadcasting_each_get_every_other_message_in_order()
    {
        const int clients = 20;
        const int perClient = 10;
        await using var server = await TestServer.StartAsync();
        var all = new List<TestClient>();
        for (int i = 0; i < clients; i++)
        {
            all.Add(await server.JoinAsync($"user{i}"));
        }

        foreach (var c in all)
        {
            // Everyone joined after them has been announced: wait for the last join.
            if (c != all[^1])
            {
                await c.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == $"user{clients - 1}");
            }
        }

        for (int n = 0; n < perClient; n++)
        {
            for (int i = 0; i < clients; i++)
            {
                all[i].Send($"PRIVMSG #general :msg {i} {n}");
            }
        }

        await Task.WhenAll(all.Select(async (c, me) =>
        {
            var next = new int[clients];
            int expected = (clients - 1) * perClient;
            for (int got = 0; got < expected; got++)
            {
                var m = await c.ExpectAsync(m => m.Command == "PRIVMSG");
                var parts = m.Parameters[1].Split(' ');
                int from = int.Parse(parts[1]);
                int seq = int.Parse(parts[2]);
                Assert.NotEqual(me, from);
                Assert.Equal(next[from], seq);
                next[from]++;
            }
        }));

        foreach (var c in all)
        {
            c.Dispose();
        }
    }

    [Fact]
    public async Task Quit_is_announced_once_to_each_peer_with_its_reason()
    {
        await using var server = await TestServer.StartAsync();
        using var a = await server.JoinAsync("qa");
        using var b = await server.JoinAsync("qb");
        a.Send("JOIN #two");
        await a.ExpectAsync(m => m.Command == "366");
        b.Send("JOIN #two");
        await b.ExpectAsync(m => m.Command == "366");
        a.Send("QUIT :gone fishing");
        var quit = await b.ExpectAsync(m => m.Command == "QUIT");
        Assert.Equal("qa", quit.SourceNick);
        Assert.Equal("Quit: gone fishing", quit.Parameters[0]);
        b.Send("PING :fence");
        await b.ExpectAsync(m => m.Command == "PONG");
        Assert.Single(b.Seen, l => l.Contains(" QUIT ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Names_lists_members_with_the_operator_first_joiner()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("boss");
        using var other = await server.JoinAsync("guest");
        other.Send("NAMES #general");
        var names = await other.ExpectAsync(m => m.Command == "353");
        Assert.Equal(["guest", "=", "#general"], names.Parameters.Take(3));
        Assert.Equal(["@boss", "guest"], names.Parameters[3].Split(' ').Order());
        await other.ExpectAsync(m => m.Command == "366");
    }

    [Fact]
    public async Task Outsiders_cannot_send_to_a_no_external_messages_room()
    {
        await using var server = await TestServer.StartAsync();
        using var member = await server.JoinAsync("inside");
        using var outsider = await server.RegisterAsync("outside");
        outsider.Send("PRIVMSG #general :let me in");
        var err = await outsider.ExpectAsync(m => m.Command == "404");
        Assert.Equal("#general", err.Parameters[1]);
        outsider.Send("NOTICE #general :quiet");
        outsider.Send("PING :fence");
        await outsider.ExpectAsync(m => m.Command == "PONG");
        Assert.DoesNotContain(outsider.Seen, l => l.Contains(" 404 ", StringComparison.Ordinal) && l.Contains("quiet", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Private_messages_reach_only_their_target()
    {
        await using var server = await TestServer.StartAsync();
        using var a = await server.JoinAsync("pa");
        using var b = await server.JoinAsync("pb");
        using var c = await server.JoinAsync("pc");
        a.Send("PRIVMSG PB :psst");
        var got = await b.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal(["pb", "psst"], got.Parameters);
        c.Send("PING :fence");
        await c.ExpectAsync(m => m.Command == "PONG");
        Assert.DoesNotContain(c.Seen, l => l.Contains("psst", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Topic_is_set_by_operator_and_shown_on_join()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("topop");
        using var guest = await server.JoinAsync("topguest");
        guest.Send("TOPIC #general :mine now");
        await guest.ExpectAsync(m => m.Command == "482");
        op.Send("TOPIC #general :Bienvenidos");
        await guest.ExpectAsync(m => m.Command == "TOPIC" && m.Parameters[1] == "Bienvenidos");
        using var late = await server.RegisterAsync("toplate");
        late.Send("JOIN #general");
        var topic = await late.ExpectAsync(m => m.Command == "332");
        Assert.Equal("Bienvenidos", topic.Parameters[^1]);
        await late.ExpectAsync(m => m.Command == "333");
    }

    [Fact]
    public async Task Channel_mode_query_and_change()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("modeop");
        using var guest = await server.JoinAsync("modeguest");
        op.Send("MODE #general");
        var modes = await op.ExpectAsync(m => m.Command == "324");
        Assert.Equal("+nt", modes.Parameters[2]);
        guest.Send("MODE #general -t");
        await guest.ExpectAsync(m => m.Command == "482");
        op.Send("MODE #general -t+o modeguest");
        var change = await guest.ExpectAsync(m => m.Command == "MODE");
        Assert.Equal(["#general", "-t+o", "modeguest"], change.Parameters);
        op.Send("MODE #general +x");
        await op.ExpectAsync(m => m.Command == "472");
    }

    [Fact]
    public async Task Joining_too_many_rooms_gets_405()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.RegisterAsync("joiner");
        c.Send("JOIN " + string.Join(',', Enumerable.Range(0, Commands.Rooms.MaxChannelsPerClient + 1).Select(i => $"#r{i}")));
        var refused = await c.ExpectAsync(m => m.Command == "405");
        Assert.Equal($"#r{Commands.Rooms.MaxChannelsPerClient}", refused.Parameters[1]);
    }
}
