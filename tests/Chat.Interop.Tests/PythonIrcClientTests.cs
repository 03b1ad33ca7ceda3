using System.Globalization;
using System.Net;
using Chat.Client;
using Chat.Client.Tests;
using Chat.Server;

namespace Chat.Interop.Tests;

/// <summary>A real IRC client library (Debian's python3-irc) on our server, talking to a `chat join` user.</summary>
public sealed class PythonIrcClientTests
{
    private static string Script => Path.Combine(AppContext.BaseDirectory, "scripts", "irc_peer.py");

    [Fact]
    public async Task Python_irc_client_and_chat_join_talk_both_ways()
    {
        // Debian's interpreter: a python3 earlier on PATH (pyenv, venv) does not see python3-irc.
        string python = Loopback.FindProgram("/usr/bin/python3")
            ?? throw new InvalidOperationException("/usr/bin/python3 is missing; tests/setup.sh installs python3-irc.");

        await using var server = new ChatServer(new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = 0,
            ServerName = "interop.server",
            Culture = CultureInfo.GetCultureInfo("en"),
            ShutdownGrace = TimeSpan.FromSeconds(2),
        });
        await server.StartAsync();
        int port = server.EndPoint!.Port;

        var juan = new ScriptedView();
        var session = new JoinSession(new JoinOptions { Alias = "Juan", Port = port, Culture = CultureInfo.GetCultureInfo("en") }, juan);
        var run = session.RunAsync();
        await juan.ExpectAsync("Welcome to the chat, Juan!");

        using var peer = ChildProcess.Start(python, Script, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "Pyro", "#general", "Juan");
        await peer.ExpectLineAsync(l => l == "READY");
        await juan.ExpectAsync(">>> Pyro joined the chat");

        juan.Type("hola desde chat, ¿qué tal?");
        await peer.ExpectLineAsync(l => l == "PUBLIC Juan hola desde chat, ¿qué tal?");
        await juan.ExpectAsync("Pyro: echo: hola desde chat, ¿qué tal?");

        juan.Type("/msg Pyro secreto");
        await peer.ExpectLineAsync(l => l == "PRIVATE Juan secreto");
        await juan.ExpectAsync("(private) Pyro: private echo: secreto");

        juan.Type("/me waves");
        await peer.ExpectLineAsync(l => l == "ACTION Juan waves");
        await juan.ExpectAsync("* Pyro waves back");

        juan.Type("bye");
        Assert.Equal(0, await peer.WaitForExitAsync());
        await juan.ExpectAsync("<<< Pyro left the chat");

        juan.Type("salir");
        Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(juan.Errors);
    }
}
