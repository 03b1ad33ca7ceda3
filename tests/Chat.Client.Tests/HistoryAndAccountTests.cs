using System.Globalization;
using System.Net;
using Chat.Server;

namespace Chat.Client.Tests;

public class HistoryAndAccountTests
{
    private const string Password = "una-clave-larga";

    private static async Task<ChatServer> StartServerAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        var options = new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = 0,
            ServerName = "test.server",
            Culture = CultureInfo.GetCultureInfo("en"),
            ShutdownGrace = TimeSpan.FromSeconds(2),
        };
        var server = new ChatServer(configure is null ? options : configure(options));
        await server.StartAsync();
        return server;
    }

    private static (Task<int> Run, ScriptedView View) Start(ChatServer server, string alias, string? password = null, bool register = false, int history = 20, string lang = "en")
    {
        var view = new ScriptedView();
        var options = new JoinOptions
        {
            Alias = alias,
            Port = server.EndPoint!.Port,
            Culture = CultureInfo.GetCultureInfo(lang),
            Password = password,
            Register = register,
            HistoryOnJoin = history,
        };
        return (new JoinSession(options, view).RunAsync(), view);
    }

    [Fact]
    public async Task Joining_shows_recent_history_apart_and_history_pages_back()
    {
        await using var server = await StartServerAsync();
        var (anaRun, ana) = Start(server, "Ana");
        await ana.ExpectAsync("Type 'salir' to leave.");
        for (int i = 1; i <= 5; i++)
        {
            ana.Type($"hola {i}");
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await server.Store.CountAsync() < 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var (bobRun, bob) = Start(server, "Bob", history: 2);
        await bob.ExpectAsync("--- history ---");
        var first = await bob.ExpectAsync(l => l.StartsWith('['));
        Assert.Matches(@"^\[\d\d:\d\d\] Ana: hola 4$", first);
        await bob.ExpectAsync(l => l.EndsWith("Ana: hola 5", StringComparison.Ordinal));
        await bob.ExpectAsync("--- end of history ---");

        bob.Type("/history 2");
        await bob.ExpectAsync("--- history ---");
        await bob.ExpectAsync(l => l.EndsWith("] Ana: hola 2", StringComparison.Ordinal));
        await bob.ExpectAsync(l => l.EndsWith("] Ana: hola 3", StringComparison.Ordinal));
        await bob.ExpectAsync("--- end of history ---");
        bob.Type("/history 5");
        await bob.ExpectAsync(l => l.EndsWith("] Ana: hola 1", StringComparison.Ordinal));
        await bob.ExpectAsync("--- end of history ---");
        bob.Type("/history");
        await bob.ExpectAsync("--- no earlier messages ---");

        // Live messages stay plain.
        ana.Type("en vivo");
        await bob.ExpectAsync("Ana: en vivo");

        ana.EndInput();
        bob.EndInput();
        Assert.Equal(0, await anaRun.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await bobRun.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Register_then_log_in_with_a_password_and_a_wrong_one_fails()
    {
        await using var server = await StartServerAsync();
        var (juanRun, juan) = Start(server, "Juan", Password, register: true);
        await juan.ExpectAsync("*** The account Juan is registered.");
        await juan.ExpectAsync("Welcome to the chat, Juan!");
        juan.EndInput();
        Assert.Equal(0, await juanRun.WaitAsync(TimeSpan.FromSeconds(10)));

        var (againRun, again) = Start(server, "Juan", Password);
        await again.ExpectAsync("*** You are logged in as Juan.");
        await again.ExpectAsync("Welcome to the chat, Juan!");
        Assert.Equal("Juan", server.State.FindNick("Juan")!.Account);
        again.EndInput();
        Assert.Equal(0, await againRun.WaitAsync(TimeSpan.FromSeconds(10)));

        var (wrongRun, wrong) = Start(server, "Juan", "not-the-password");
        await wrong.ExpectAsync(l => l.StartsWith("*** Login failed", StringComparison.Ordinal));
        await wrong.ExpectAsync("Welcome to the chat, Juan!");
        wrong.EndInput();
        Assert.Equal(0, await wrongRun.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Register_command_registers_the_current_alias()
    {
        await using var server = await StartServerAsync();
        var (run, view) = Start(server, "Rita", lang: "es");
        await view.ExpectAsync("Escribe 'salir' para desconectarte.");
        view.Type("/register");
        await view.ExpectAsync("*** Uso: /register contraseña [email]");
        view.Type("/register " + Password);
        await view.ExpectAsync("*** La cuenta Rita está registrada.");
        await view.ExpectAsync("*** Has iniciado sesión como Rita.");
        view.EndInput();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_server_that_requires_an_account_lets_in_a_user_with_a_password()
    {
        await using var server = await StartServerAsync(o => o with { Accounts = o.Accounts with { RequireAccount = true } });
        var (regRun, reg) = Start(server, "Nora", Password, register: true);
        await reg.ExpectAsync("Welcome to the chat, Nora!");
        reg.EndInput();
        Assert.Equal(0, await regRun.WaitAsync(TimeSpan.FromSeconds(10)));

        var (anonRun, anon) = Start(server, "Anon");
        Assert.Equal(JoinSession.ExitConnectionLost, await anonRun.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(anon.All.Concat(anon.Errors), l => l.Contains("requires an account", StringComparison.Ordinal));
    }
}
