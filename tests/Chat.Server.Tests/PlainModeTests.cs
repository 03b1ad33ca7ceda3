using System.Globalization;
using System.Text;

namespace Chat.Server.Tests;

public class PlainModeTests
{
    [Fact]
    public async Task Plain_user_types_alias_then_chats_with_an_irc_user()
    {
        await using var server = await TestServer.StartAsync();
        using var irc = await server.JoinAsync("Juan");
        using var plain = await server.ConnectAsync();
        var notice = await plain.ExpectLineAsync(_ => true);
        Assert.Contains("Type your alias", notice);
        plain.Send("María");
        Assert.Equal("Welcome to the chat, María!", await plain.ReadLineAsync());
        Assert.Equal("Type 'salir' to leave.", await plain.ReadLineAsync());

        var join = await irc.ExpectAsync(m => m.Command == "JOIN");
        Assert.Equal("María", join.SourceNick);

        plain.Send("Hola Juan!");
        var msg = await irc.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal(["#general", "Hola Juan!"], msg.Parameters);

        irc.Send("PRIVMSG #general :Hola a todos!");
        Assert.Equal("Juan: Hola a todos!", await plain.ReadLineAsync());
        irc.Send("PRIVMSG #general :\u0001ACTION waves\u0001");
        Assert.Equal("* Juan waves", await plain.ReadLineAsync());

        // Other CTCP means nothing to a person: the notice after it is the next line.
        irc.Send("PRIVMSG #general :\u0001VERSION\u0001");
        irc.Send("NOTICE #general :aviso");
        Assert.Equal("-Juan- aviso", await plain.ReadLineAsync());

        irc.Send("QUIT :bye");
        Assert.Equal("<<< Juan left the chat", await plain.ReadLineAsync());
    }

    [Fact]
    public async Task Plain_users_see_each_other_join_talk_and_leave()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.PlainAsync("Ana");
        using var beto = await server.PlainAsync("Beto");
        Assert.Equal(">>> Beto joined the chat", await ana.ReadLineAsync());
        beto.Send("hola");
        Assert.Equal("Beto: hola", await ana.ReadLineAsync());
        beto.Send("salir");
        var last = await beto.ReadUntilClosedAsync();
        Assert.Equal(["Goodbye, Beto!"], last);
        Assert.Equal("<<< Beto left the chat", await ana.ReadLineAsync());
    }

    [Fact]
    public async Task Slash_quit_leaves_too()
    {
        await using var server = await TestServer.StartAsync();
        using var irc = await server.JoinAsync("watcher");
        using var plain = await server.PlainAsync("Carla");
        plain.Send("/quit");
        await plain.ReadUntilClosedAsync();
        var quit = await irc.ExpectAsync(m => m.Command == "QUIT");
        Assert.Equal("Carla", quit.SourceNick);
    }

    [Fact]
    public async Task Taken_alias_is_refused_and_another_is_asked_for()
    {
        await using var server = await TestServer.StartAsync();
        using var first = await server.PlainAsync("Dani");
        using var second = await server.ConnectAsync();
        second.Send("dani");
        Assert.Equal("The alias dani is already in use. Type another one:", await second.ExpectLineAsync(l => l.StartsWith("The alias", StringComparison.Ordinal)));
        second.Send("Dani2");
        await second.ExpectLineAsync(l => l == "Welcome to the chat, Dani2!");
    }

    [Fact]
    public async Task Irc_commands_are_never_mistaken_for_aliases()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("PING");
        await c.ExpectAsync(m => m.Command == "461");
        Assert.False(server.Server.State.ClientsSnapshot().Single().IsPlain);
    }

    [Fact]
    public async Task Names_and_private_messages_in_plain_mode()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.PlainAsync("Ana");
        using var irc = await server.JoinAsync("Eva");
        await ana.ExpectLineAsync(l => l == ">>> Eva joined the chat");
        ana.Send("/names");
        Assert.Equal("Users in #general: Ana, Eva", await ana.ReadLineAsync());
        ana.Send("/msg Eva secreto");
        var pm = await irc.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal(["Eva", "secreto"], pm.Parameters);
        irc.Send("PRIVMSG Ana :respuesta");
        await ana.ExpectLineAsync(l => l == "(private) Eva: respuesta");
        ana.Send("/msg nadie hola");
        await ana.ExpectLineAsync(l => l.Contains("No one called nadie", StringComparison.Ordinal));
        ana.Send("/bogus");
        await ana.ExpectLineAsync(l => l.Contains("Unknown command /bogus", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invalid_utf8_and_long_lines_get_a_clear_message_and_the_user_stays()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.PlainAsync("Ana");
        using var irc = await server.JoinAsync("Obs");
        ana.SendBytes([0xC3, 0x28, 0x0A]);
        await ana.ExpectLineAsync(l => l.Contains("not valid UTF-8", StringComparison.Ordinal));
        ana.SendBytes(Encoding.ASCII.GetBytes(new string('x', 20000) + "\n"));
        await ana.ExpectLineAsync(l => l.Contains("too long", StringComparison.Ordinal));
        ana.Send("still here");
        await irc.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "still here");
    }

    [Fact]
    public async Task Spanish_server_speaks_spanish_to_plain_users()
    {
        await using var server = await TestServer.StartAsync(o => o with { Culture = CultureInfo.GetCultureInfo("es") });
        using var ana = await server.ConnectAsync();
        ana.Send("Ana");
        Assert.Equal("Bienvenido al chat, Ana!", await ana.ExpectLineAsync(l => l.StartsWith("Bienvenido", StringComparison.Ordinal)));
        Assert.Equal("Escribe 'salir' para desconectarte.", await ana.ReadLineAsync());
        using var beto = await server.ConnectAsync();
        beto.Send("Beto");
        Assert.Equal(">>> Beto se unió al chat", await ana.ReadLineAsync());
        beto.Send("salir");
        Assert.Equal("<<< Beto salió del chat", await ana.ExpectLineAsync(l => l.StartsWith("<<<", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Long_plain_message_reaches_irc_users_whole_in_several_lines()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.PlainAsync("Ana");
        using var irc = await server.JoinAsync("Reader");
        string text = string.Join(' ', Enumerable.Range(0, 300).Select(i => $"w{i}"));
        ana.Send(text);
        var received = new StringBuilder();
        while (received.Length < text.Length)
        {
            var m = await irc.ExpectAsync(m => m.Command == "PRIVMSG");
            Assert.True(Encoding.UTF8.GetByteCount(irc.Seen[^1]) <= 510);
            received.Append(m.Parameters[1]);
        }

        Assert.Equal(text, received.ToString());
    }
}

public class PlainAliasValidationTests
{
    [Fact]
    public async Task Invalid_alias_is_explained_and_another_is_asked_for()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("Ana");
        await c.ExpectLineAsync(l => l == "Type 'salir' to leave.");
        using var d = await server.ConnectAsync();
        d.Send("Ana");
        await d.ExpectLineAsync(l => l.StartsWith("The alias Ana", StringComparison.Ordinal));
        d.Send("9lives");
        var why = await d.ExpectLineAsync(l => l.StartsWith("9lives is not a valid alias", StringComparison.Ordinal));
        Assert.Contains("-_[]{}\\|^`", why);
        d.Send("Nueve");
        await d.ExpectLineAsync(l => l == "Welcome to the chat, Nueve!");
    }
}
