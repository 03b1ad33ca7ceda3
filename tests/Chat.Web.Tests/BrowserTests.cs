using System.Globalization;
using System.Text.RegularExpressions;
using Chat.Client;
using Chat.Client.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Web.Tests;

/// <summary>The web client in real headless Chromium, with `chat join` users in the same rooms.</summary>
public sealed class BrowserTests(BrowserFixture browsers) : IClassFixture<BrowserFixture>
{
    static BrowserTests()
    {
        SetDefaultExpectTimeout(10_000);
    }

    private static async Task LoginAsync(IPage page, Uri url, string nick)
    {
        await page.GotoAsync(url.ToString());
        await page.GetByLabel("Your alias").FillAsync(nick);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
        await Expect(page.Locator("#room-name")).ToHaveTextAsync("#general");
    }

    private static ILocator Messages(IPage page) => page.Locator("#messages");

    private static Task SayAsync(IPage page, string text) => SayAsync(page, text, true);

    private static async Task SayAsync(IPage page, string text, bool _)
    {
        await page.Locator("#input").FillAsync(text);
        await page.Locator("#input").PressAsync("Enter");
    }

    private static (JoinSession Session, ScriptedView View) Terminal(WebTestServer server, string alias)
    {
        var view = new ScriptedView();
        var options = new JoinOptions { Alias = alias, Port = server.Port, Culture = CultureInfo.GetCultureInfo("en") };
        return (new JoinSession(options, view), view);
    }

    [Fact]
    public async Task Two_browsers_and_a_terminal_user_chat_in_a_room_and_privately()
    {
        await using var server = await WebTestServer.StartAsync();
        var ana = await browsers.NewPageAsync();
        var beto = await browsers.NewPageAsync();
        await LoginAsync(ana, server.Url, "Ana");
        await LoginAsync(beto, server.Url, "Beto");
        await Expect(ana.Locator("#user-list")).ToContainTextAsync("Beto");

        var (session, juan) = Terminal(server, "Juan");
        var run = session.RunAsync();
        await Expect(Messages(ana)).ToContainTextAsync("Juan joined #general");
        await Expect(beto.Locator("#user-list")).ToContainTextAsync("Juan");

        await SayAsync(ana, "Hola a todos!");
        await Expect(Messages(beto)).ToContainTextAsync("Ana: Hola a todos!");
        await juan.ExpectAsync(l => l == "Ana: Hola a todos!");

        juan.Type("Hola Ana, soy Juan");
        await Expect(Messages(ana)).ToContainTextAsync("Juan: Hola Ana, soy Juan");
        await Expect(Messages(beto)).ToContainTextAsync("Juan: Hola Ana, soy Juan");

        // Timestamps come from server-time and nicks have a colour class.
        await Expect(ana.Locator("#messages li time").Last).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d\d-\d\dT"));
        await Expect(ana.Locator("#messages .nick", new() { HasText = "Juan" }).Last).ToHaveClassAsync(new Regex(@"\bc\d+\b"));

        // A private message from the web to the terminal, and back.
        await SayAsync(beto, "/msg Juan psst, Juan");
        await juan.ExpectAsync(l => l == "(private) Beto: psst, Juan");
        juan.Type("/msg Beto te oigo");
        await Expect(beto.Locator("#room-list")).ToContainTextAsync("Juan");
        await Expect(beto.Locator("#room-list button", new() { HasText = "Juan" }).Locator(".badge")).ToHaveTextAsync("1");
        await beto.Locator("#room-list button", new() { HasText = "Juan" }).ClickAsync();
        await Expect(beto.Locator("#room-name")).ToHaveTextAsync("Juan");
        await Expect(Messages(beto)).ToContainTextAsync("Juan: te oigo");
        await Expect(Messages(ana)).Not.ToContainTextAsync("te oigo");

        // /me, and a leave notice.
        await ana.Locator("#room-list button", new() { HasText = "#general" }).ClickAsync();
        await SayAsync(ana, "/me saluda");
        await juan.ExpectAsync(l => l == "* Ana saluda");
        juan.Type("salir");
        Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        await Expect(Messages(ana)).ToContainTextAsync("Juan left the chat");
        await Expect(ana.Locator("#user-list")).Not.ToContainTextAsync("Juan");
    }

    [Fact]
    public async Task Rooms_unread_counts_commands_and_Spanish()
    {
        await using var server = await WebTestServer.StartAsync();
        var ana = await browsers.NewPageAsync(locale: "es-ES");
        await ana.GotoAsync(server.Url.ToString());
        await Expect(ana.GetByLabel("Tu alias")).ToBeVisibleAsync();
        await ana.GetByLabel("Tu alias").FillAsync("Ana");
        await ana.GetByLabel("Tu alias").PressAsync("Enter");
        await Expect(ana.Locator("#room-name")).ToHaveTextAsync("#general");
        await Expect(ana.Locator("html")).ToHaveAttributeAsync("lang", "es");

        await SayAsync(ana, "/join #otra");
        await Expect(ana.Locator("#room-name")).ToHaveTextAsync("#otra");
        await SayAsync(ana, "/topic Tema nuevo");
        await Expect(ana.Locator("#topic")).ToHaveTextAsync("Tema nuevo");
        await SayAsync(ana, "/help");
        await Expect(Messages(ana)).ToContainTextAsync("/join #sala");
        await SayAsync(ana, "/nada");
        await Expect(Messages(ana)).ToContainTextAsync("Comando desconocido /nada");

        var beto = await browsers.NewPageAsync();
        await LoginAsync(beto, server.Url, "Beto");
        await SayAsync(beto, "uno");
        await SayAsync(beto, "dos");
        var general = ana.Locator("#room-list button", new() { HasText = "#general" });
        await Expect(general.Locator(".badge")).ToHaveTextAsync("2");
        await Expect(general.Locator(".badge")).ToHaveAttributeAsync("aria-label", "2 sin leer");
        await general.ClickAsync();
        await Expect(general.Locator(".badge")).ToHaveCountAsync(0);
        await Expect(Messages(ana)).ToContainTextAsync("Beto: dos");

        // Switching the language re-renders what is shown.
        await ana.Locator("#lang").SelectOptionAsync("en");
        await Expect(ana.Locator("#send-form button")).ToHaveTextAsync("Send");
        await Expect(Messages(ana)).ToContainTextAsync("Beto joined #general");

        // The message log is announced to screen readers, and there is nothing older to page through.
        await Expect(Messages(ana)).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(Messages(ana)).ToHaveAttributeAsync("role", "log");
        await Expect(ana.Locator("#older")).ToBeHiddenAsync();
        await Expect(ana.Locator("#password")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Nick_in_use_is_explained_on_the_form()
    {
        await using var server = await WebTestServer.StartAsync();
        var ana = await browsers.NewPageAsync();
        await LoginAsync(ana, server.Url, "Ana");
        var other = await browsers.NewPageAsync();
        await other.GotoAsync(server.Url.ToString());
        await other.GetByLabel("Your alias").FillAsync("ana");
        await other.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
        await Expect(other.Locator("#login-error")).ToContainTextAsync("already taken");
        await other.GetByLabel("Your alias").FillAsync("Ana2");
        await other.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
        await Expect(other.Locator("#room-name")).ToHaveTextAsync("#general");
    }

    [Fact]
    public async Task Html_in_messages_and_topics_is_shown_as_text()
    {
        await using var server = await WebTestServer.StartAsync();
        var ana = await browsers.NewPageAsync();
        var beto = await browsers.NewPageAsync();
        await LoginAsync(ana, server.Url, "Ana");
        await LoginAsync(beto, server.Url, "Beto");
        await ana.EvaluateAsync("() => { window.__pwned = 0; }");

        const string attack = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script><b>bold</b>";
        await SayAsync(beto, attack);
        await SayAsync(ana, "/topic <img src=x onerror=alert(1)> & <a href=javascript:alert(1)>x</a>");
        var (session, juan) = Terminal(server, "Juan");
        var run = session.RunAsync();
        await Expect(Messages(ana)).ToContainTextAsync("Juan joined");
        juan.Type("/me <img src=x onerror=alert(1)>");

        await Expect(Messages(ana)).ToContainTextAsync("Beto: " + attack);
        await Expect(ana.Locator("#topic")).ToHaveTextAsync("<img src=x onerror=alert(1)> & <a href=javascript:alert(1)>x</a>");
        await Expect(Messages(ana)).ToContainTextAsync("* Juan <img src=x onerror=alert(1)>");
        Assert.Equal(0, await ana.Locator("#messages img, #messages script, #messages b, #topic img, #topic a, body img").CountAsync());
        Assert.Equal(0, await ana.EvaluateAsync<int>("() => window.__pwned"));
        juan.Type("salir");
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_client_reconnects_when_the_server_restarts_on_the_same_port()
    {
        var server = await WebTestServer.StartAsync();
        int webPort = server.Web.Port;
        var ana = await browsers.NewPageAsync();
        await LoginAsync(ana, server.Url, "Ana");
        await SayAsync(ana, "/join #otra");
        await Expect(ana.Locator("#room-name")).ToHaveTextAsync("#otra");

        await server.DisposeAsync();
        await Expect(ana.Locator("#status")).ToContainTextAsync("Reconnecting");

        await using var again = await WebTestServer.StartAsync(webPort: webPort);
        await Expect(ana.Locator("#status")).ToHaveTextAsync("Reconnected.", new() { Timeout = 20_000 });
        await ana.Locator("#room-list button", new() { HasText = "#general" }).ClickAsync();
        var (session, juan) = Terminal(again, "Juan");
        var run = session.RunAsync();
        await Expect(ana.Locator("#user-list")).ToContainTextAsync("Juan");
        await SayAsync(ana, "de vuelta");
        await juan.ExpectAsync(l => l == "Ana: de vuelta");
        juan.Type("/join #otra");
        await Expect(ana.Locator("#room-list button", new() { HasText = "#otra" })).ToBeVisibleAsync();
        Assert.Contains(again.Chat.State.ClientsSnapshot(), c => c.Nick == "Ana" && c.IsWebSocket);
        juan.Type("salir");
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task After_a_reload_the_user_comes_back_to_the_room()
    {
        // A reload is a new session: the alias is remembered and the room rejoined; what
        // was said before comes back from the server's history (HistoryBrowserTests has
        // more), and with no more than that the "older messages" button stays hidden.
        await using var server = await WebTestServer.StartAsync();
        var ana = await browsers.NewPageAsync();
        await LoginAsync(ana, server.Url, "Ana");
        await SayAsync(ana, "antes");
        await ana.ReloadAsync();
        await Expect(ana.GetByLabel("Your alias")).ToHaveValueAsync("Ana");
        await ana.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
        await Expect(ana.Locator("#room-name")).ToHaveTextAsync("#general");
        var beto = await browsers.NewPageAsync();
        await LoginAsync(beto, server.Url, "Beto");
        await SayAsync(beto, "después");
        await Expect(Messages(ana)).ToContainTextAsync("Beto: después");
        await Expect(ana.Locator("#messages li.history")).ToHaveTextAsync(new Regex("Ana: antes$"));
        await Expect(ana.Locator("#older")).ToBeHiddenAsync();
    }
}
