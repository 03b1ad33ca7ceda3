using Chat.Core.Protocol;

namespace Chat.Server.Tests;

public class ListTests
{
    private static List<IrcMessage> Rows(List<IrcMessage> replies) => replies.Where(m => m.Command == "322").ToList();

    private static List<string> Names(List<IrcMessage> replies) => Rows(replies).Select(m => m.Parameters[1]).ToList();

    [Fact]
    public async Task List_gives_start_rows_with_count_and_topic_and_end()
    {
        await using var server = await TestServer.StartAsync();
        using var a = await server.JoinAsync("la", "#alpha");
        using var b = await server.JoinAsync("lb", "#alpha");
        await a.JoinRoomAsync("#beta");
        a.Send("TOPIC #beta :Sobre beta");
        await a.ExpectCommandAsync("TOPIC");

        using var asker = await server.RegisterAsync("asker");
        var replies = await asker.RoundTripAsync("LIST");
        Assert.Equal(["321", "322", "322", "323"], replies.Commands());
        Assert.Equal(["asker", "#alpha", "2", ""], replies[1].Parameters);
        Assert.Equal(["asker", "#beta", "1", "Sobre beta"], replies[2].Parameters);
        Assert.Equal("asker", replies[3].Parameters[0]);
    }

    [Fact]
    public async Task List_of_named_rooms_shows_only_those_and_no_error_for_unknown_ones()
    {
        await using var server = await TestServer.StartAsync();
        using var a = await server.JoinAsync("na", "#one");
        await a.JoinRoomAsync("#two");
        await a.JoinRoomAsync("#three");
        Assert.Equal(["#one", "#three"], Names(await a.RoundTripAsync("LIST #three,#ONE")).Order());
        Assert.Equal(["321", "323"], (await a.RoundTripAsync("LIST #nonexistent")).Commands());
    }

    [Fact]
    public async Task Empty_server_lists_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var a = await server.RegisterAsync("lonely");
        Assert.Equal(["321", "323"], (await a.RoundTripAsync("LIST")).Commands());
    }

    [Fact]
    public async Task Secret_rooms_are_listed_only_to_their_members()
    {
        await using var server = await TestServer.StartAsync();
        using var first = await server.JoinAsync("first", "#gen");
        await first.SetModeAsync("#gen", "+s");
        Assert.Equal(["#gen"], Names(await first.RoundTripAsync("LIST")));

        using var second = await server.RegisterAsync("second");
        Assert.Empty(Rows(await second.RoundTripAsync("LIST")));
        Assert.Empty(Rows(await second.RoundTripAsync("LIST #gen")));

        await second.JoinRoomAsync("#gen");
        Assert.Equal(["#gen"], Names(await second.RoundTripAsync("LIST")));
    }

    [Fact]
    public async Task Elist_filters_by_user_count_and_masks()
    {
        await using var server = await TestServer.StartAsync();
        var (asker, tokens, _) = await server.RegisterWithIsupportAsync("elist");
        using var _asker = asker;
        Assert.Equal("MNU", tokens["ELIST"]);
        using var foo = await server.JoinAsync("efoo", "#chan1");
        await foo.JoinRoomAsync("#chan2");
        using var bar = await server.JoinAsync("ebar", "#chan2");

        Assert.Equal(["#chan1", "#chan2"], Names(await asker.RoundTripAsync("LIST >0")));
        Assert.Empty(Names(await asker.RoundTripAsync("LIST <1")));
        Assert.Equal(["#chan2"], Names(await asker.RoundTripAsync("LIST >1")));
        Assert.Equal(["#chan1"], Names(await asker.RoundTripAsync("LIST <2")));
        Assert.Equal(["#chan1"], Names(await asker.RoundTripAsync("LIST *an1")));
        Assert.Equal(["#chan2"], Names(await asker.RoundTripAsync("LIST #c*n2")));
        Assert.Equal(["#chan1", "#chan2"], Names(await asker.RoundTripAsync("LIST #CH*")));
        Assert.Equal(["#chan2"], Names(await asker.RoundTripAsync("LIST !*an1")));
        Assert.Empty(Names(await asker.RoundTripAsync("LIST *an3")));
        Assert.Equal(["#chan2"], Names(await asker.RoundTripAsync("LIST #ch*,>1")));
    }

    [Fact]
    public async Task Outsiders_do_not_count_invisible_users()
    {
        await using var server = await TestServer.StartAsync();
        using var seen = await server.JoinAsync("visible", "#count");
        using var hidden = await server.JoinAsync("hidden", "#count");
        hidden.Send("MODE hidden +i");
        await hidden.ExpectAsync(m => m.Command == "MODE" && m.Parameters[0] == "hidden");

        using var outsider = await server.RegisterAsync("counter");
        Assert.Equal("1", Rows(await outsider.RoundTripAsync("LIST #count"))[0].Parameters[2]);
        Assert.Equal("2", Rows(await seen.RoundTripAsync("LIST #count"))[0].Parameters[2]);
    }
}
