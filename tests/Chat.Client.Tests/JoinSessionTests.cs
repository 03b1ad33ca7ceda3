using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Chat.Server;

namespace Chat.Client.Tests;

public class JoinSessionTests
{
    internal static async Task<ChatServer> StartServerAsync()
    {
        var server = new ChatServer(new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = 0,
            ServerName = "test.server",
            Culture = CultureInfo.GetCultureInfo("en"),
            ShutdownGrace = TimeSpan.FromSeconds(2),
        });
        await server.StartAsync();
        return server;
    }

    internal static (JoinSession Session, ScriptedView View) NewSession(ChatServer server, string? alias, string lang = "en", bool reconnect = true)
    {
        var view = new ScriptedView();
        var options = new JoinOptions
        {
            Alias = alias,
            Port = server.EndPoint!.Port,
            Culture = CultureInfo.GetCultureInfo(lang),
            Reconnect = reconnect,
        };
        return (new JoinSession(options, view), view);
    }

    [Fact]
    public async Task Two_users_chat_and_see_joins_and_leaves()
    {
        await using var server = await StartServerAsync();
        var (juanSession, juan) = NewSession(server, "Juan");
        var juanRun = juanSession.RunAsync();
        await juan.ExpectAsync("Welcome to the chat, Juan!");
        await juan.ExpectAsync("Type 'salir' to leave.");

        var (mariaSession, maria) = NewSession(server, "María");
        var mariaRun = mariaSession.RunAsync();
        await maria.ExpectAsync("Welcome to the chat, María!");
        await juan.ExpectAsync(">>> María joined the chat");

        // María's client fetches the room's history as she joins; if that query
        // runs just after Juan's line is stored, she gets it there ("[10:00] Juan: ...")
        // and the live copy is dropped as already seen. Either way she reads it once.
        juan.Type("Hola a todos!");
        await maria.ExpectAsync(l => l == "Juan: Hola a todos!" || l.EndsWith("] Juan: Hola a todos!", StringComparison.Ordinal));
        maria.Type("Hola Juan!");
        await juan.ExpectAsync("María: Hola Juan!");

        maria.Type("salir");
        Assert.Equal(JoinSession.ExitOk, await mariaRun.WaitAsync(TimeSpan.FromSeconds(10)));
        await juan.ExpectAsync("<<< María left the chat");

        juan.EndInput();
        Assert.Equal(JoinSession.ExitOk, await juanRun.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(juan.Errors);
        Assert.DoesNotContain(juan.All, l => l.Contains("Juan: Hola", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spanish_texts_match_the_original_chat()
    {
        await using var server = await StartServerAsync();
        var (juanSession, juan) = NewSession(server, "Juan", "es");
        var juanRun = juanSession.RunAsync();
        await juan.ExpectAsync("Bienvenido al chat, Juan!");
        await juan.ExpectAsync("Escribe 'salir' para desconectarte.");
        var (mariaSession, maria) = NewSession(server, "María", "es");
        var mariaRun = mariaSession.RunAsync();
        await juan.ExpectAsync(">>> María se unió al chat");
        maria.Type("/quit");
        await mariaRun.WaitAsync(TimeSpan.FromSeconds(10));
        await juan.ExpectAsync("<<< María salió del chat");
        juan.Type("salir");
        await juanRun.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("Tú: ", juan.Prompts);
    }

    [Fact]
    public async Task Alias_is_asked_for_and_asked_again_while_taken()
    {
        await using var server = await StartServerAsync();
        var (firstSession, first) = NewSession(server, "Juan");
        var firstRun = firstSession.RunAsync();
        await first.ExpectAsync("Welcome to the chat, Juan!");

        var (secondSession, second) = NewSession(server, alias: null);
        var secondRun = secondSession.RunAsync();
        second.Type("juan");
        await second.ExpectAsync("The alias juan is already in use. Choose another one.");
        second.Type("9bad");
        await second.ExpectAsync(l => l.StartsWith("9bad is not a valid alias", StringComparison.Ordinal));
        second.Type("Juana");
        await second.ExpectAsync("Welcome to the chat, Juana!");
        Assert.Equal(3, second.Prompts.Count(p => p == "Enter your name: "));

        second.Type("hola");
        await first.ExpectAsync("Juana: hola");
        second.EndInput();
        first.EndInput();
        await Task.WhenAll(firstRun, secondRun).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task No_server_is_one_error_and_exit_code_1()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var view = new ScriptedView();
        var session = new JoinSession(new JoinOptions { Alias = "Juan", Port = port, Culture = CultureInfo.GetCultureInfo("en") }, view);
        Assert.Equal(JoinSession.ExitCannotConnect, await session.RunAsync().WaitAsync(TimeSpan.FromSeconds(15)));
        var error = Assert.Single(view.Errors);
        Assert.StartsWith($"Could not connect to the server at 127.0.0.1:{port}", error);
    }

    [Fact]
    public async Task Server_going_away_is_reported_with_a_nonzero_exit()
    {
        var server = await StartServerAsync();
        var (session, view) = NewSession(server, "Juan", reconnect: false);
        var run = session.RunAsync();
        await view.ExpectAsync("Welcome to the chat, Juan!");
        await server.StopAsync();
        Assert.Equal(JoinSession.ExitConnectionLost, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        var error = Assert.Single(view.Errors);
        Assert.Equal("Connection to the server lost: Server shutting down", error);
    }

    [Fact]
    public async Task Private_messages_actions_and_notices_are_marked()
    {
        await using var server = await StartServerAsync();
        var (session, view) = NewSession(server, "Juan");
        var run = session.RunAsync();
        await view.ExpectAsync("Welcome to the chat, Juan!");
        using var raw = new TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, server.EndPoint!.Port);
        var stream = raw.GetStream();
        var writer = new StreamWriter(stream) { AutoFlush = true, NewLine = "\r\n" };
        await writer.WriteLineAsync("NICK Eva");
        await writer.WriteLineAsync("USER eva 0 * :Eva");
        await writer.WriteLineAsync("JOIN #general,#other");
        await view.ExpectAsync(">>> Eva joined the chat");
        await writer.WriteLineAsync("PRIVMSG Juan :just for you");
        await view.ExpectAsync("(private) Eva: just for you");
        await writer.WriteLineAsync("PRIVMSG #general :\u0001ACTION waves\u0001");
        await view.ExpectAsync("* Eva waves");
        await writer.WriteLineAsync("NOTICE #general :heads up");
        await view.ExpectAsync("-Eva- heads up");
        await writer.WriteLineAsync("NICK Evita");
        await view.ExpectAsync("*** Eva is now known as Evita");
        view.Type("/frob");
        await view.ExpectAsync(l => l.Contains("Unknown command /frob", StringComparison.Ordinal));
        view.EndInput();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
