using System.Text.RegularExpressions;

namespace Chat.Server.Tests;

public class CapabilityTests
{
    [Fact]
    public async Task Every_advertised_capability_can_be_enabled_and_is_listed()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("CAP LS 302");
        var ls = await c.ExpectAsync(m => m.Command == "CAP");
        // CAP LS 302 gives values ("sasl=PLAIN,SCRAM-SHA-256"); REQ and LIST use names.
        var advertised = ls.Parameters[^1].Split(' ').Select(a => a.Split('=')[0]).ToArray();
        Assert.Equal(Capabilities.Offered.Select(o => o.Name), advertised);
        Assert.Contains("labeled-response", advertised);
        c.Send("CAP REQ :" + string.Join(' ', advertised));
        var ack = await c.ExpectAsync(m => m.Command == "CAP");
        Assert.Equal("ACK", ack.Parameters[1]);
        c.Send("CAP LIST");
        var list = await c.ExpectAsync(m => m.Command == "CAP");
        Assert.Equal(advertised.Order(), list.Parameters[^1].Split(' ').Order());
    }

    [Fact]
    public async Task Request_with_an_unknown_capability_is_refused_whole()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("CAP LS 302");
        c.Send("CAP REQ :server-time no-such-cap");
        var nak = await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] != "LS");
        Assert.Equal(["*", "NAK", "server-time no-such-cap"], nak.Parameters);
        c.Send("CAP LIST");
        var list = await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "LIST");
        Assert.DoesNotContain("server-time", list.Parameters[^1]);
        c.Send("CAP REQ :server-time");
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "ACK");
        c.Send("CAP REQ :-server-time");
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "ACK" && m.Parameters[2] == "-server-time");
        c.Send("CAP LIST");
        list = await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "LIST");
        Assert.DoesNotContain("server-time", list.Parameters[^1]);
        c.Send("CAP FROB");
        await c.ExpectAsync(m => m.Command == "410");
    }

    [Fact]
    public async Task Server_time_is_an_iso_8601_utc_timestamp_with_milliseconds()
    {
        await using var server = await TestServer.StartAsync();
        using var timed = await server.WithCapsAsync("timed", "server-time");
        using var sender = await server.JoinAsync("sender");
        sender.Send("PRIVMSG #general :what time is it");
        var m = await timed.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Matches(new Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"), m.Tags["time"]);
        var when = DateTimeOffset.Parse(m.Tags["time"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - when).TotalSeconds) < 30);

        // Replies from the server carry it too.
        timed.Send("PING :x");
        var pong = await timed.ExpectAsync(m => m.Command == "PONG");
        Assert.True(pong.Tags.ContainsKey("time"));
    }

    [Fact]
    public async Task Message_tags_are_relayed_only_to_clients_that_asked_and_carry_a_msgid()
    {
        await using var server = await TestServer.StartAsync();
        using var tagged = await server.WithCapsAsync("tagged", "message-tags");
        using var plainIrc = await server.JoinAsync("untagged");
        using var sender = await server.WithCapsAsync("tagsender", "message-tags");
        sender.Send("@+draft/reply=abc;+example.com/foo=a\\sb;server-only=x PRIVMSG #general :tagged hello");
        var got = await tagged.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("abc", got.Tags["+draft/reply"]);
        Assert.Equal("a b", got.Tags["+example.com/foo"]);
        Assert.False(got.Tags.ContainsKey("server-only"));
        Assert.False(string.IsNullOrEmpty(got.Tags["msgid"]));
        var bare = await plainIrc.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Empty(bare.Tags);

        sender.Send("@+typing=active TAGMSG #general");
        var typing = await tagged.ExpectAsync(m => m.Command == "TAGMSG");
        Assert.Equal("active", typing.Tags["+typing"]);
        Assert.Equal(["#general"], typing.Parameters);
        plainIrc.Send("PING :fence");
        await plainIrc.ExpectAsync(m => m.Command == "PONG");
        Assert.DoesNotContain(plainIrc.Seen, l => l.Contains("TAGMSG", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Echo_message_sends_the_sender_its_own_message_with_the_same_msgid()
    {
        await using var server = await TestServer.StartAsync();
        using var echo = await server.WithCapsAsync("echoer", "echo-message message-tags");
        using var other = await server.WithCapsAsync("other", "message-tags");
        echo.Send("PRIVMSG #general :hear myself");
        var mine = await echo.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("echoer", mine.SourceNick);
        var theirs = await other.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal(theirs.Tags["msgid"], mine.Tags["msgid"]);
        echo.Send("PRIVMSG other :private echo");
        var pm = await echo.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal(["other", "private echo"], pm.Parameters);
    }

    [Fact]
    public async Task Labeled_response_labels_one_reply_acks_none_and_batches_many()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.WithCapsAsync("labeler", "labeled-response batch echo-message");
        c.Send("@label=one PING :x");
        var pong = await c.ExpectAsync(m => m.Command == "PONG");
        Assert.Equal("one", pong.Tags["label"]);

        c.Send("@label=none PONG :x");
        var ack = await c.ExpectAsync(m => m.Command == "ACK");
        Assert.Equal("none", ack.Tags["label"]);

        c.Send("@label=echo PRIVMSG #general :labeled");
        var echoed = await c.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("echo", echoed.Tags["label"]);

        c.Send("@label=many NAMES #general");
        var start = await c.ExpectAsync(m => m.Command == "BATCH");
        Assert.Equal("many", start.Tags["label"]);
        Assert.Equal("labeled-response", start.Parameters[1]);
        string reference = start.Parameters[0][1..];
        var names = await c.ExpectAsync(m => m.Command == "353");
        Assert.Equal(reference, names.Tags["batch"]);
        var end = await c.ExpectAsync(m => m.Command == "366");
        Assert.Equal(reference, end.Tags["batch"]);
        var close = await c.ExpectAsync(m => m.Command == "BATCH");
        Assert.Equal("-" + reference, close.Parameters[0]);
    }

    [Fact]
    public async Task Label_is_ignored_without_the_capability()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.RegisterAsync("nolabel");
        c.Send("@label=x PING :y");
        var pong = await c.ExpectAsync(m => m.Command == "PONG");
        Assert.False(pong.Tags.ContainsKey("label"));
    }

    [Fact]
    public async Task Extended_join_carries_account_and_real_name()
    {
        await using var server = await TestServer.StartAsync();
        using var watcher = await server.WithCapsAsync("watcher", "extended-join");
        using var joiner = await server.RegisterAsync("joiner");
        joiner.Send("JOIN #general");
        var join = await watcher.ExpectAsync(m => m.Command == "JOIN");
        Assert.Equal(["#general", "*", "joiner test"], join.Parameters);
    }

    [Fact]
    public async Task Setname_changes_the_real_name_and_tells_room_mates_that_asked()
    {
        await using var server = await TestServer.StartAsync();
        using var a = await server.WithCapsAsync("namer", "setname");
        using var b = await server.WithCapsAsync("mate", "setname");
        using var c = await server.JoinAsync("oldclient");
        a.Send("SETNAME :New Real Name");
        var self = await a.ExpectAsync(m => m.Command == "SETNAME");
        Assert.Equal("New Real Name", self.Parameters[0]);
        var seen = await b.ExpectAsync(m => m.Command == "SETNAME");
        Assert.Equal("namer", seen.SourceNick);
        c.Send("PING :fence");
        await c.ExpectAsync(m => m.Command == "PONG");
        Assert.DoesNotContain(c.Seen, l => l.Contains("SETNAME", StringComparison.Ordinal));
        a.Send("SETNAME :" + new string('x', 201));
        var fail = await a.ExpectAsync(m => m.Command == "FAIL");
        Assert.Equal(["SETNAME", "INVALID_REALNAME"], fail.Parameters.Take(2));
    }

    [Fact]
    public async Task Multi_prefix_and_userhost_in_names_shape_names_and_who()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("chief");
        op.Send("MODE #general +v chief");
        await op.ExpectAsync(m => m.Command == "MODE");
        using var both = await server.WithCapsAsync("both", "multi-prefix userhost-in-names", join: null);
        both.Send("NAMES #general");
        var names = await both.ExpectAsync(m => m.Command == "353");
        Assert.Equal("@+chief!~chief@127.0.0.1", names.Parameters[^1]);
        both.Send("WHO #general");
        var who = await both.ExpectAsync(m => m.Command == "352");
        Assert.Equal("H@+", who.Parameters[6]);

        using var neither = await server.RegisterAsync("neither");
        neither.Send("NAMES #general");
        names = await neither.ExpectAsync(m => m.Command == "353");
        Assert.Equal("@chief", names.Parameters[^1]);
    }

    [Fact]
    public async Task Invite_notify_tells_the_rooms_operators()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.WithCapsAsync("inviter", "invite-notify", join: "#club");
        using var coop = await server.WithCapsAsync("coop", "invite-notify", join: "#club");
        op.Send("MODE #club +o coop");
        await coop.ExpectAsync(m => m.Command == "MODE");
        using var guest = await server.RegisterAsync("guest");
        op.Send("INVITE guest #club");
        await op.ExpectAsync(m => m.Command == "341");
        var told = await coop.ExpectAsync(m => m.Command == "INVITE");
        Assert.Equal("inviter", told.SourceNick);
        Assert.Equal(["guest", "#club"], told.Parameters);
        var invited = await guest.ExpectAsync(m => m.Command == "INVITE");
        Assert.Equal(["guest", "#club"], invited.Parameters);
    }

    [Fact]
    public async Task Away_notify_reports_changes_and_an_away_newcomer()
    {
        await using var server = await TestServer.StartAsync();
        using var watcher = await server.WithCapsAsync("watcher", "away-notify");
        using var mover = await server.RegisterAsync("mover");
        mover.Send("AWAY :lunch");
        await mover.ExpectAsync(m => m.Command == "306");
        mover.Send("JOIN #general");
        await watcher.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "mover");
        var away = await watcher.ExpectAsync(m => m.Command == "AWAY");
        Assert.Equal(["lunch"], away.Parameters);
        mover.Send("AWAY");
        var back = await watcher.ExpectAsync(m => m.Command == "AWAY");
        Assert.Empty(back.Parameters);
    }

    [Fact]
    public async Task Whois_hides_secret_rooms_from_outsiders()
    {
        await using var server = await TestServer.StartAsync();
        using var owner = await server.JoinAsync("owner", "#hidden");
        owner.Send("MODE #hidden +s");
        await owner.ExpectAsync(m => m.Command == "MODE");
        owner.Send("JOIN #open");
        await owner.ExpectAsync(m => m.Command == "366");
        using var outsider = await server.RegisterAsync("outsider");
        outsider.Send("WHOIS owner");
        var rooms = await outsider.ExpectAsync(m => m.Command == "319");
        Assert.Equal("@#open", rooms.Parameters[^1]);
        outsider.Send("WHO #hidden");
        await outsider.ExpectAsync(m => m.Command == "315");
        Assert.DoesNotContain(outsider.Seen, l => l.Contains(" 352 ", StringComparison.Ordinal));
    }
}
