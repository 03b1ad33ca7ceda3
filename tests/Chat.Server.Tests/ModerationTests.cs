using System.Globalization;

namespace Chat.Server.Tests;

public class ModerationTests
{
    [Fact]
    public async Task Kick_is_broadcast_to_the_room_and_removes_the_user()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("kop", "#k");
        using var bar = await server.JoinAsync("kbar", "#k");
        using var baz = await server.JoinAsync("kbaz", "#k");
        await op.UntilFenceAsync();
        await bar.UntilFenceAsync();

        op.Send("KICK #k kbar :bye now");
        foreach (var c in new[] { op, bar, baz })
        {
            var kick = await c.ExpectCommandAsync("KICK");
            Assert.Equal("kop", kick.SourceNick);
            Assert.Equal(["#k", "kbar", "bye now"], kick.Parameters);
        }

        // Out of the room: +n keeps the kicked user from speaking, NAMES no longer shows it.
        Assert.Equal(["404"], (await bar.RoundTripAsync("PRIVMSG #k :let me back")).Commands());
        var names = Assert.Single(await baz.RoundTripAsync("NAMES #k"), m => m.Command == "353");
        Assert.DoesNotContain("kbar", names.Parameters[^1].Split(' '));
    }

    [Fact]
    public async Task Kick_reason_defaults_to_the_kicker_and_is_cut_at_KICKLEN()
    {
        await using var server = await TestServer.StartAsync();
        var (op, tokens, _) = await server.RegisterWithIsupportAsync("kdef");
        using var _op = op;
        int kicklen = int.Parse(tokens["KICKLEN"], CultureInfo.InvariantCulture);
        Assert.Equal(255, kicklen);
        await op.JoinRoomAsync("#kdef");
        using var a = await server.JoinAsync("kdefa", "#kdef");
        using var b = await server.JoinAsync("kdefb", "#kdef");
        await op.UntilFenceAsync();

        op.Send("KICK #kdef kdefa");
        Assert.Equal(["#kdef", "kdefa", "kdef"], (await op.ExpectCommandAsync("KICK")).Parameters);

        string longReason = new('r', kicklen + 40);
        op.Send($"KICK #kdef kdefb :{longReason}");
        var kick = await b.ExpectAsync(m => m.Command == "KICK" && m.Parameters[1] == "kdefb");
        Assert.Equal(new string('r', kicklen), kick.Parameters[2]);
    }

    [Fact]
    public async Task Kick_takes_several_users_and_pairs_rooms_with_users()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("mk", "#mk");
        using var a = await server.JoinAsync("mka", "#mk");
        using var b = await server.JoinAsync("mkb", "#mk");
        using var c = await server.JoinAsync("mkc", "#mk");
        using var d = await server.JoinAsync("mkd", "#mk");
        await d.UntilFenceAsync();

        op.Send("KICK #mk mka,mkb :bye");
        var first = await d.ExpectCommandAsync("KICK");
        var second = await d.ExpectCommandAsync("KICK");
        Assert.Equal(["#mk", "mka", "bye"], first.Parameters);
        Assert.Equal(["#mk", "mkb", "bye"], second.Parameters);

        op.Send("KICK #mk,#mk mkc,mkd");
        Assert.Equal("mkc", (await d.ExpectCommandAsync("KICK")).Parameters[1]);
        Assert.Equal("mkd", (await d.ExpectCommandAsync("KICK")).Parameters[1]);

        // Two rooms for three users cannot be paired.
        await op.UntilFenceAsync();
        Assert.Equal(["461"], (await op.RoundTripAsync("KICK #mk,#x a,b,c")).Commands());
    }

    [Fact]
    public async Task Kick_errors_name_the_problem()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("keop", "#ke");
        using var member = await server.JoinAsync("kemember", "#ke");
        using var outsider = await server.JoinAsync("keout", "#elsewhere");
        await op.UntilFenceAsync();

        var notOp = Assert.Single(await member.RoundTripAsync("KICK #ke keop"));
        Assert.Equal("482", notOp.Command);
        Assert.Equal(["kemember", "#ke"], notOp.Parameters.Take(2));

        var notOn = Assert.Single(await outsider.RoundTripAsync("KICK #ke kemember"));
        Assert.Equal("442", notOn.Command);
        Assert.Equal(["keout", "#ke"], notOn.Parameters.Take(2));

        var noRoom = Assert.Single(await op.RoundTripAsync("KICK #nowhere kemember"));
        Assert.Equal("403", noRoom.Command);
        Assert.Equal(["keop", "#nowhere"], noRoom.Parameters.Take(2));

        var notThere = Assert.Single(await op.RoundTripAsync("KICK #ke keout"));
        Assert.Equal("441", notThere.Command);
        Assert.Equal(["keop", "keout", "#ke"], notThere.Parameters.Take(3));

        var noNick = Assert.Single(await op.RoundTripAsync("KICK #ke ghost"));
        Assert.Equal("401", noNick.Command);
        Assert.Equal(["keop", "ghost"], noNick.Parameters.Take(2));

        Assert.Equal(["461"], (await op.RoundTripAsync("KICK #ke")).Commands());
    }

    [Fact]
    public async Task Kicking_the_last_member_forgets_the_room()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("solo", "#solo");
        await op.SetModeAsync("#solo", "+k key");
        op.Send("KICK #solo solo");
        await op.ExpectCommandAsync("KICK");
        using var next = await server.RegisterAsync("next");
        next.Send("JOIN #solo");
        var names = await next.ExpectCommandAsync("353");
        Assert.Equal("@next", names.Parameters[^1]);
    }

    [Theory]
    [InlineData("en", "<<< Beto was kicked by Ana (fuera)")]
    [InlineData("es", "<<< Ana expulsó a Beto (fuera)")]
    public async Task Plain_users_read_a_kick_as_a_sentence(string culture, string expected)
    {
        await using var server = await TestServer.StartAsync(o => o with { Culture = CultureInfo.GetCultureInfo(culture) });
        using var ana = await server.JoinAsync("Ana", "#general");
        using var watcher = await server.PlainInAnyLanguageAsync("Carla");
        using var beto = await server.PlainInAnyLanguageAsync("Beto");
        await ana.UntilFenceAsync();
        ana.Send("KICK #general Beto :fuera");
        Assert.Equal(expected, await watcher.ExpectLineAsync(l => l.StartsWith("<<<", StringComparison.Ordinal)));
        Assert.Equal(expected, await beto.ExpectLineAsync(l => l.StartsWith("<<<", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Invite_tells_the_inviter_and_the_invitee_and_nobody_else()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("iop", "#i");
        using var other = await server.JoinAsync("iother", "#i");
        using var guest = await server.RegisterAsync("iguest");
        await op.UntilFenceAsync();

        var replies = await op.RoundTripAsync("INVITE iguest #i");
        var inviting = Assert.Single(replies);
        Assert.Equal("341", inviting.Command);
        Assert.Equal(["iop", "iguest", "#i"], inviting.Parameters);

        var invite = await guest.ExpectCommandAsync("INVITE");
        Assert.Equal("iop", invite.SourceNick);
        Assert.Equal(["iguest", "#i"], invite.Parameters);
        Assert.Empty(await other.UntilFenceAsync());
    }

    [Fact]
    public async Task Members_may_invite_to_an_open_room_but_only_operators_to_an_invite_only_one()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("oop", "#open");
        using var member = await server.JoinAsync("omember", "#open");
        using var guest = await server.RegisterAsync("oguest");
        Assert.Equal(["341"], (await member.RoundTripAsync("INVITE oguest #open")).Commands());

        await op.SetModeAsync("#open", "+i");
        await member.UntilFenceAsync();
        var refused = Assert.Single(await member.RoundTripAsync("INVITE oguest #open"));
        Assert.Equal("482", refused.Command);
        Assert.Equal(["omember", "#open"], refused.Parameters.Take(2));
    }

    [Fact]
    public async Task Invite_errors_name_the_problem()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("ieop", "#ie");
        using var member = await server.JoinAsync("iemember", "#ie");
        using var outsider = await server.RegisterAsync("ieout");
        await op.UntilFenceAsync();

        var noNick = Assert.Single(await op.RoundTripAsync("INVITE ghost #ie"));
        Assert.Equal(["401", "ghost"], [noNick.Command, noNick.Parameters[1]]);

        var noRoom = Assert.Single(await op.RoundTripAsync("INVITE ieout #nowhere"));
        Assert.Equal(["403", "#nowhere"], [noRoom.Command, noRoom.Parameters[1]]);

        var notOn = Assert.Single(await outsider.RoundTripAsync("INVITE iemember #ie"));
        Assert.Equal(["442", "#ie"], [notOn.Command, notOn.Parameters[1]]);

        var already = Assert.Single(await op.RoundTripAsync("INVITE iemember #ie"));
        Assert.Equal("443", already.Command);
        Assert.Equal(["ieop", "iemember", "#ie"], already.Parameters.Take(3));

        Assert.Equal(["461"], (await op.RoundTripAsync("INVITE ieout")).Commands());
    }

    [Fact]
    public async Task Invite_without_parameters_lists_pending_invitations()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("lop", "#la");
        await op.JoinRoomAsync("#lb");
        using var guest = await server.RegisterAsync("lguest");
        Assert.Equal(["337"], (await guest.RoundTripAsync("INVITE")).Commands());

        await op.RoundTripAsync("INVITE lguest #la");
        await op.RoundTripAsync("INVITE lguest #lb");
        var list = (await guest.RoundTripAsync("INVITE")).Where(m => m.Command != "INVITE").ToList();
        Assert.Equal(["336", "336", "337"], list.Commands());
        Assert.Equal(["#la", "#lb"], list.Take(2).Select(m => m.Parameters[1]));

        // Joining uses the invitation up.
        await guest.JoinRoomAsync("#la");
        var after = (await guest.RoundTripAsync("INVITE")).ToList();
        Assert.Equal(["336", "337"], after.Commands());
        Assert.Equal("#lb", after[0].Parameters[1]);
    }
}
