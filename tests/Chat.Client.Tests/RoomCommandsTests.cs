using static Chat.Client.Tests.JoinSessionTests;

namespace Chat.Client.Tests;

/// <summary>The /commands of `chat join` against our server, two users on loopback.</summary>
public class RoomCommandsTests
{
    [Fact]
    public async Task Rooms_can_be_joined_switched_and_left()
    {
        await using var server = await StartServerAsync();
        var (anaSession, ana) = NewSession(server, "Ana");
        var anaRun = anaSession.RunAsync();
        await ana.ExpectAsync("Welcome to the chat, Ana!");
        var (juanSession, juan) = NewSession(server, "Juan");
        var juanRun = juanSession.RunAsync();
        await juan.ExpectAsync("Welcome to the chat, Juan!");
        await ana.ExpectAsync(">>> Juan joined the chat");

        juan.Type("/join #dev ops");
        await juan.ExpectAsync("Users in #dev: @Juan");
        await juan.ExpectAsync("*** Now talking in #ops");
        await juan.ExpectAsync("Users in #ops: @Juan");

        ana.Type("/join #ops");
        await ana.ExpectAsync("*** Now talking in #ops");
        await ana.ExpectAsync("Users in #ops: @Juan, Ana");
        await juan.ExpectAsync(">>> Ana joined the chat");
        ana.Type("hola ops");
        await juan.ExpectAsync("Ana: hola ops");

        ana.Type("/room #general");
        await ana.ExpectAsync("*** Now talking in #general");
        ana.Type("en general");
        await juan.ExpectAsync("[#general] Ana: en general");
        juan.Type("en ops");
        await ana.ExpectAsync("[#ops] Juan: en ops");

        juan.Type("/part #ops bye");
        await juan.ExpectAsync("<<< You left #ops");
        await juan.ExpectAsync("*** Now talking in #dev");
        await ana.ExpectAsync("[#ops] <<< Juan left the chat");
        juan.Type("/switch");
        await juan.ExpectAsync("*** Now talking in #general");
        juan.Type("/room");
        await juan.ExpectAsync("*** Your rooms: #general, #dev. Talking in #general.");
        juan.Type("/room #ops");
        await juan.ExpectAsync("*** You are not in #ops. Type /join #ops to enter it.");
        juan.Type("back in general");
        await ana.ExpectAsync("Juan: back in general");

        juan.Type("salir");
        ana.Type("/quit");
        int[] codes = await Task.WhenAll(anaRun, juanRun).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(codes, code => Assert.Equal(JoinSession.ExitOk, code));
        Assert.Empty(juan.Errors);
    }

    [Fact]
    public async Task Private_messages_names_topic_actions_and_nick()
    {
        await using var server = await StartServerAsync();
        var (anaSession, ana) = NewSession(server, "Ana");
        var anaRun = anaSession.RunAsync();
        await ana.ExpectAsync("Welcome to the chat, Ana!");
        var (juanSession, juan) = NewSession(server, "Juan");
        var juanRun = juanSession.RunAsync();
        await ana.ExpectAsync(">>> Juan joined the chat");

        juan.Type("/msg Ana psst, Ana");
        await juan.ExpectAsync("(private to Ana) psst, Ana");
        await ana.ExpectAsync("(private) Juan: psst, Ana");

        juan.Type("/names");
        await juan.ExpectAsync("Users in #general: @Ana, Juan");
        ana.Type("/who #general");
        await ana.ExpectAsync("Users in #general: @Ana, Juan");

        juan.Type("/topic");
        await juan.ExpectAsync("*** #general has no topic");
        ana.Type("/topic Bienvenidos al chat");
        await juan.ExpectAsync("*** Ana set the topic of #general: Bienvenidos al chat");
        juan.Type("/topic");
        await juan.ExpectAsync("*** Topic of #general: Bienvenidos al chat");

        juan.Type("/me waves");
        await juan.ExpectAsync("* Juan waves");
        await ana.ExpectAsync("* Juan waves");

        juan.Type("/nick Juanito");
        await juan.ExpectAsync("*** You are now known as Juanito");
        await ana.ExpectAsync("*** Juan is now known as Juanito");
        ana.Type("/nick Juanito");
        await ana.ExpectAsync("The alias Juanito is already in use. Choose another one.");

        juan.Type("/msg");
        await juan.ExpectAsync("*** Usage: /msg nick text");
        juan.Type("/help");
        await juan.ExpectAsync(l => l.StartsWith("Commands", StringComparison.Ordinal));
        await juan.ExpectAsync(l => l.StartsWith("  /msg nick text", StringComparison.Ordinal) && l.EndsWith("send a private message", StringComparison.Ordinal));
        await juan.ExpectAsync(l => l.StartsWith("  /quit [reason]", StringComparison.Ordinal));

        ana.EndInput();
        juan.EndInput();
        await Task.WhenAll(anaRun, juanRun).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Help_and_errors_in_spanish()
    {
        await using var server = await StartServerAsync();
        var (session, view) = NewSession(server, "Juan", "es");
        var run = session.RunAsync();
        await view.ExpectAsync("Bienvenido al chat, Juan!");
        view.Type("/ayuda");
        await view.ExpectAsync("*** Comando desconocido /ayuda. Escribe /help para ver la lista de comandos.");
        view.Type("/help");
        await view.ExpectAsync(l => l.StartsWith("  /msg alias texto", StringComparison.Ordinal) && l.EndsWith("envía un mensaje privado", StringComparison.Ordinal));
        view.Type("/part");
        await view.ExpectAsync("<<< Saliste de #general");
        await view.ExpectAsync("*** No estás en ninguna sala. Escribe /join #sala para entrar en una.");
        view.Type("hola?");
        await view.ExpectAsync("*** No estás en ninguna sala. Escribe /join #sala para entrar en una.");
        view.EndInput();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
