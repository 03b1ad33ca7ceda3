using System.Globalization;
using Chat.Client;
using Chat.Client.Tests;

namespace Chat.Interop.Tests;

/// <summary>`chat join` (the JoinSession engine, in-process) against Debian's ngircd.</summary>
public sealed class NgircdTests : IAsyncLifetime
{
    private NgircdServer? _server;
    private readonly List<Task<int>> _sessions = [];

    public async Task InitializeAsync() => _server = await NgircdServer.StartAsync();

    public Task DisposeAsync()
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }

    private async Task<ScriptedView> JoinAsync(string alias)
    {
        var view = new ScriptedView();
        var session = new JoinSession(new JoinOptions
        {
            Alias = alias,
            Host = "127.0.0.1",
            Port = _server!.Port,
            Culture = CultureInfo.GetCultureInfo("en"),
        }, view);
        _sessions.Add(session.RunAsync());
        await view.ExpectAsync($"Welcome to the chat, {alias}!");
        return view;
    }

    private async Task AllLeaveAsync(params ScriptedView[] views)
    {
        foreach (var view in views)
        {
            view.Type("salir");
        }

        int[] codes = await Task.WhenAll(_sessions).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.All(codes, code => Assert.Equal(JoinSession.ExitOk, code));
        Assert.All(views, view => Assert.Empty(view.Errors));
    }

    [Fact]
    public async Task Two_users_chat_privately_and_see_names_topic_and_actions()
    {
        var ana = await JoinAsync("Ana");
        var juan = await JoinAsync("Juan");
        await ana.ExpectAsync(">>> Juan joined the chat");

        juan.Type("Hola a todos, ¿qué tal?");
        await ana.ExpectAsync("Juan: Hola a todos, ¿qué tal?");
        ana.Type("Hola Juan!");
        await juan.ExpectAsync("Ana: Hola Juan!");

        juan.Type("/msg Ana psst");
        await juan.ExpectAsync("(private to Ana) psst");
        await ana.ExpectAsync("(private) Juan: psst");

        juan.Type("/names");
        await juan.ExpectAsync("Users in #general: @Ana, Juan");

        ana.Type("/topic Bienvenidos");
        await juan.ExpectAsync("*** Ana set the topic of #general: Bienvenidos");
        juan.Type("/topic");
        await juan.ExpectAsync("*** Topic of #general: Bienvenidos");

        juan.Type("/me waves");
        await ana.ExpectAsync("* Juan waves");

        await AllLeaveAsync(ana, juan);
    }

    [Fact]
    public async Task Rooms_nick_away_and_kick()
    {
        var ana = await JoinAsync("Ana");
        var juan = await JoinAsync("Juan");
        await ana.ExpectAsync(">>> Juan joined the chat");

        juan.Type("/join #dev");
        await juan.ExpectAsync("*** Now talking in #dev");
        await juan.ExpectAsync("Users in #dev: @Juan");
        ana.Type("only in general");
        await juan.ExpectAsync("[#general] Ana: only in general");
        juan.Type("/part");
        await juan.ExpectAsync("<<< You left #dev");
        await juan.ExpectAsync("*** Now talking in #general");

        juan.Type("/away lunch");
        await juan.ExpectAsync("*** You are now marked as away");
        ana.Type("/msg Juan are you there?");
        await ana.ExpectAsync("*** Juan is away: lunch");
        juan.Type("/away");
        await juan.ExpectAsync("*** You are no longer marked as away");

        juan.Type("/nick Juanito");
        await juan.ExpectAsync("*** You are now known as Juanito");
        await ana.ExpectAsync("*** Juan is now known as Juanito");

        juan.Type("/kick Ana");
        await juan.ExpectAsync(l => l.StartsWith("*** #general: ", StringComparison.Ordinal));
        ana.Type("/kick Juanito too loud");
        await ana.ExpectAsync("<<< Juanito was kicked by Ana (too loud)");
        await juan.ExpectAsync("<<< You were kicked from #general by Ana (too loud)");
        await juan.ExpectAsync("*** You are not in any room. Type /join #room to enter one.");

        await AllLeaveAsync(ana, juan);
    }

    [Fact]
    public async Task Reconnects_and_rejoins_after_ngircd_restarts()
    {
        var view = new ScriptedView();
        var session = new JoinSession(new JoinOptions
        {
            Alias = "Ana",
            Port = _server!.Port,
            Culture = CultureInfo.GetCultureInfo("en"),
            ReconnectDelay = TimeSpan.FromMilliseconds(300),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
            PlainReconnectAttempts = 20,
        }, view);
        var run = session.RunAsync();
        await view.ExpectAsync("Welcome to the chat, Ana!");

        int port = _server.Port;
        _server.Dispose();
        await view.ExpectAsync(l => l.StartsWith("*** Connection to the server lost", StringComparison.Ordinal));
        _server = await NgircdServer.StartAsync(port);
        await view.ExpectAsync("*** Reconnected as Ana.");

        var juan = await JoinAsync("Juan");
        await view.ExpectAsync(">>> Juan joined the chat");
        juan.Type("de vuelta");
        await view.ExpectAsync("Juan: de vuelta");
        _sessions.Add(run);
        await AllLeaveAsync(view, juan);
    }
}
