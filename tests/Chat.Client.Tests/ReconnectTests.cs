using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Chat.Server;

namespace Chat.Client.Tests;

/// <summary>A lost connection is made again: rooms rejoined, nick kept, missed messages fetched.</summary>
public class ReconnectTests
{
    private static JoinOptions Options(int port, string alias = "Juan") => new()
    {
        Alias = alias,
        Port = port,
        Culture = CultureInfo.GetCultureInfo("en"),
        ReconnectDelay = TimeSpan.FromMilliseconds(200),
        MaxReconnectDelay = TimeSpan.FromSeconds(1),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private static async Task<ChatServer> StartServerOnAsync(int port)
    {
        var server = new ChatServer(new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = port,
            ServerName = "test.server",
            Culture = CultureInfo.GetCultureInfo("en"),
            ShutdownGrace = TimeSpan.FromSeconds(2),
        });
        await server.StartAsync();
        return server;
    }

    private static async Task<StreamWriter> RawUserAsync(int port, string nick, string rooms)
    {
        var raw = new TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, port);
        var writer = new StreamWriter(raw.GetStream()) { AutoFlush = true, NewLine = "\r\n" };
        await writer.WriteLineAsync($"NICK {nick}");
        await writer.WriteLineAsync($"USER {nick} 0 * :{nick}");
        await writer.WriteLineAsync($"JOIN {rooms}");
        return writer;
    }

    [Fact]
    public async Task The_server_restarts_and_the_client_rejoins_its_rooms_with_its_nick()
    {
        var first = await JoinSessionTests.StartServerAsync();
        int port = first.EndPoint!.Port;
        var view = new ScriptedView();
        var run = new JoinSession(Options(port), view).RunAsync();
        await view.ExpectAsync("Welcome to the chat, Juan!");
        view.Type("/join #dev");
        await view.ExpectAsync("*** Now talking in #dev");

        await first.StopAsync();
        await first.DisposeAsync();
        await view.ExpectAsync("*** Connection to the server lost: Server shutting down");
        await view.ExpectAsync(l => l.StartsWith("*** Reconnecting in 1 s (attempt 1)", StringComparison.Ordinal));
        view.Type("lost words");
        await view.ExpectAsync("*** Not connected to the server: reconnecting. That was not sent.");

        await using var second = await StartServerOnAsync(port);
        await view.ExpectAsync("*** Reconnected as Juan.");

        // Eva comes once Juan is back in both rooms (his JOINs follow the welcome).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!new[] { "#general", "#dev" }.All(r => second.State.FindChannel(r)?.Members.Any(m => m.Nick == "Juan") == true))
        {
            Assert.True(DateTime.UtcNow < deadline, "Juan did not rejoin his rooms");
            await Task.Delay(20);
        }

        var eva = await RawUserAsync(port, "Eva", "#general,#dev");
        await view.ExpectAsync("[#general] >>> Eva joined the chat");
        await view.ExpectAsync(">>> Eva joined the chat");
        await eva.WriteLineAsync("PRIVMSG #general :hola general");
        await view.ExpectAsync("[#general] Eva: hola general");
        await eva.WriteLineAsync("PRIVMSG #dev :hola dev");
        await view.ExpectAsync("Eva: hola dev");

        view.Type("still in #dev");
        view.EndInput();
        Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(view.Errors);
    }

    [Fact]
    public async Task Redirected_mode_gives_up_after_its_attempts_with_exit_code_2()
    {
        var server = await JoinSessionTests.StartServerAsync();
        var view = new ScriptedView();
        var run = new JoinSession(Options(server.EndPoint!.Port) with { PlainReconnectAttempts = 3 }, view).RunAsync();
        await view.ExpectAsync("Welcome to the chat, Juan!");
        await server.StopAsync();
        await server.DisposeAsync();

        Assert.Equal(JoinSession.ExitConnectionLost, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(3, view.All.Count(l => l.StartsWith("*** Reconnecting in", StringComparison.Ordinal)));
        Assert.Equal(3, view.All.Count(l => l.StartsWith("*** Could not reconnect:", StringComparison.Ordinal)));
        Assert.Equal("Connection to the server lost: Server shutting down", Assert.Single(view.Errors));
    }

    [Fact]
    public async Task Leaving_while_reconnecting_exits_0()
    {
        var server = await JoinSessionTests.StartServerAsync();
        var view = new ScriptedView();
        var run = new JoinSession(Options(server.EndPoint!.Port) with { ReconnectDelay = TimeSpan.FromSeconds(5) }, view).RunAsync();
        await view.ExpectAsync("Welcome to the chat, Juan!");
        await server.StopAsync();
        await server.DisposeAsync();
        await view.ExpectAsync(l => l.StartsWith("*** Reconnecting in 5 s", StringComparison.Ordinal));
        view.Type("salir");
        Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Taken_nicks_get_a_suffix() =>
        Assert.Equal(["Juan_", "Juan2", "Juan3"], Enumerable.Range(1, 3).Select(i => JoinSession.Suffixed("Juan", i)));

    /// <summary>
    /// The whole exchange against a scripted server that offers draft/chathistory:
    /// caps asked for, the last messages fetched on joining, and after the
    /// connection drops, a new one with the same nick (a suffixed one while the
    /// old is taken) that asks for what was said after the last message seen and
    /// shows it once.
    /// </summary>
    [Fact]
    public async Task Missed_messages_are_fetched_with_chathistory_after_a_reconnect()
    {
        using var server = new FakeIrcServer();
        var view = new ScriptedView();
        var run = new JoinSession(Options(server.Port), view).RunAsync();

        using (var first = await server.AcceptAsync())
        {
            await first.RegisterAsync("multi-prefix server-time batch message-tags draft/chathistory sasl", "server-time batch message-tags draft/chathistory", "Juan");
            await first.ExpectAsync("JOIN #general");
            await first.SendAsync(":Juan!juan@host JOIN #general");
            await view.ExpectAsync("Welcome to the chat, Juan!");
            await first.ExpectAsync("CHATHISTORY LATEST #general * 20");
            await first.SendAsync(":fake BATCH +h1 chathistory #general");
            await first.SendAsync("@batch=h1;time=2025-01-01T09:00:00.000Z;msgid=m0 :Eva!eva@host PRIVMSG #general :earlier");
            await first.SendAsync(":fake BATCH -h1");
            await view.ExpectAsync(l => l.EndsWith("] Eva: earlier", StringComparison.Ordinal)); // history carries its time
            await first.SendAsync("@time=2025-01-01T10:00:00.500Z;msgid=m1 :Eva!eva@host PRIVMSG #general :before");
            await view.ExpectAsync("Eva: before");
        }

        await view.ExpectAsync(l => l.StartsWith("*** Connection to the server lost", StringComparison.Ordinal));
        using var second = await server.AcceptAsync();
        await second.ExpectAsync("CAP LS 302");
        await second.SendAsync(":fake CAP * LS * :server-time batch");
        await second.SendAsync(":fake CAP * LS :message-tags draft/chathistory");
        Assert.Equal("CAP REQ :server-time batch message-tags draft/chathistory", await second.ExpectAsync("CAP REQ"));
        await second.SendAsync(":fake CAP * ACK :server-time batch message-tags draft/chathistory");
        await second.ExpectAsync("CAP END");
        Assert.Equal("NICK Juan", second.Received.Single(l => l.StartsWith("NICK", StringComparison.Ordinal)));
        await second.SendAsync(":fake 433 * Juan :Nickname is already in use");
        Assert.Equal("NICK Juan_", await second.ExpectAsync("NICK"));
        await second.SendAsync(":fake 001 Juan_ :Welcome");
        await view.ExpectAsync("*** Reconnected as Juan_.");
        await second.ExpectAsync("JOIN #general");
        await second.SendAsync(":Juan_!juan@host JOIN #general");
        Assert.Equal("CHATHISTORY AFTER #general timestamp=2025-01-01T10:00:00.500Z 100", await second.ExpectAsync("CHATHISTORY"));
        await second.SendAsync(":fake BATCH +h2 chathistory #general");
        await second.SendAsync("@batch=h2;time=2025-01-01T10:00:00.500Z;msgid=m1 :Eva!eva@host PRIVMSG #general :before");
        await second.SendAsync("@batch=h2;time=2025-01-01T10:05:00.000Z;msgid=m2 :Eva!eva@host PRIVMSG #general :missed one");
        await second.SendAsync("@batch=h2;time=2025-01-01T10:06:00.000Z;msgid=m3 :Eva!eva@host PRIVMSG #general :\u0001VERSION\u0001");
        await second.SendAsync(":fake BATCH -h2");
        await view.ExpectAsync(l => l.EndsWith("] Eva: missed one", StringComparison.Ordinal));
        await second.SendAsync("@time=2025-01-01T10:07:00.000Z;msgid=m4 :Eva!eva@host PRIVMSG #general :live again");
        await view.ExpectAsync("Eva: live again");

        Assert.Single(view.All, l => l == "Eva: before");


        Assert.DoesNotContain(second.Received, l => l.StartsWith("NOTICE Eva", StringComparison.Ordinal)); // no CTCP answers to history
        view.EndInput();
        await second.ExpectAsync("QUIT");
        second.Dispose();
        Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Messages_missed_in_another_room_count_as_unread_after_a_reconnect()
    {
        using var server = new FakeIrcServer();
        var view = new ScriptedView();
        var run = new JoinSession(Options(server.Port), view).RunAsync();
        const string caps = "server-time batch message-tags draft/chathistory";
        using (var first = await server.AcceptAsync())
        {
            await first.RegisterAsync(caps, caps, "Juan");
            await first.ExpectAsync("JOIN #general");
            await first.SendAsync(":Juan!juan@host JOIN #general");
            await first.ExpectAsync("CHATHISTORY LATEST #general * 20");
            await first.SendAsync("@time=2025-01-01T10:00:00.000Z;msgid=g1 :Eva!eva@host PRIVMSG #general :seen");
            await view.ExpectAsync("Eva: seen");
            view.Type("/join #dev");
            await first.ExpectAsync("JOIN #dev");
            await first.SendAsync(":Juan!juan@host JOIN #dev");
            await view.ExpectAsync("*** Now talking in #dev");
        }

        await view.ExpectAsync(l => l.StartsWith("*** Connection to the server lost", StringComparison.Ordinal));
        using var second = await server.AcceptAsync();
        await second.RegisterAsync(caps, caps, "Juan");
        await second.ExpectAsync("JOIN #general");
        await second.SendAsync(":Juan!juan@host JOIN #general");
        Assert.Equal("CHATHISTORY AFTER #general timestamp=2025-01-01T10:00:00.000Z 100", await second.ExpectAsync("CHATHISTORY AFTER #general"));
        await second.SendAsync(":fake BATCH +h chathistory #general");
        await second.SendAsync("@batch=h;time=2025-01-01T10:01:00.000Z;msgid=g2 :Eva!eva@host PRIVMSG #general :missed 1");
        await second.SendAsync("@batch=h;time=2025-01-01T10:02:00.000Z;msgid=g3 :Eva!eva@host PRIVMSG #general :missed 2");
        await second.SendAsync(":fake BATCH -h");
        await view.ExpectAsync(l => l.EndsWith("Eva: missed 2", StringComparison.Ordinal));

        // #dev is still the current room; the two missed in #general wait there as unread.
        Assert.Equal("#dev", view.Status!.Current);
        Assert.Equal(2, view.Status.Rooms.Single(r => r.Name == "#general").Unread);
        view.EndInput();
        await second.ExpectAsync("QUIT");
        second.Dispose();
        Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_server_without_capabilities_just_ends_negotiation()
    {
        using var server = new FakeIrcServer();
        var view = new ScriptedView();
        var run = new JoinSession(Options(server.Port), view).RunAsync();
        using var connection = await server.AcceptAsync();
        await connection.RegisterAsync("multi-prefix sasl", expectedRequest: null, "Juan");
        await connection.ExpectAsync("JOIN #general");
        await connection.SendAsync(":Juan!juan@host JOIN #general");
        await view.ExpectAsync("Welcome to the chat, Juan!");
        Assert.DoesNotContain(connection.Received, l => l.StartsWith("CAP REQ", StringComparison.Ordinal));
        view.EndInput();
        await connection.ExpectAsync("QUIT");
        connection.Dispose();
        Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.DoesNotContain(connection.Received, l => l.StartsWith("CHATHISTORY", StringComparison.Ordinal));
    }
}
