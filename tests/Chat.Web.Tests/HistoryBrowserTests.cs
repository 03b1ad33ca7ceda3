using System.Globalization;
using Chat.Client;
using Chat.Client.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Web.Tests;

/// <summary>The web client against the server's stored history (IRCv3 draft/chathistory).</summary>
public sealed class HistoryBrowserTests(BrowserFixture browsers) : IClassFixture<BrowserFixture>
{
    static HistoryBrowserTests()
    {
        SetDefaultExpectTimeout(10_000);
    }

    /// <summary>No fake lag, so a `chat join` user can say 60 things at once.</summary>
    private static Task<WebTestServer> StartAsync() =>
        WebTestServer.StartAsync(configure: o => o with { Flood = o.Flood with { Enabled = false } });

    private static async Task EnterAsync(IPage page, string nick)
    {
        await page.GetByLabel("Your alias").FillAsync(nick);
        await page.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
        await Expect(page.Locator("#room-name")).ToHaveTextAsync("#general");
    }

    [Fact]
    public async Task After_a_reload_earlier_messages_come_back_and_older_ones_load_on_request()
    {
        await using var server = await StartAsync();
        var ana = await browsers.NewPageAsync();
        await ana.GotoAsync(server.Url.ToString());
        await EnterAsync(ana, "Ana");

        var view = new ScriptedView();
        var juan = new JoinSession(new JoinOptions { Alias = "Juan", Port = server.Port, Culture = CultureInfo.GetCultureInfo("en") }, view);
        var run = juan.RunAsync();
        await Expect(ana.Locator("#user-list")).ToContainTextAsync("Juan");

        // 60 old messages, then a short talk: 62 in all, more than the client's first page (50).
        for (int i = 1; i <= 60; i++)
        {
            view.Type($"old {i:D2}");
        }

        await Expect(ana.Locator("#messages")).ToContainTextAsync("Juan: old 60");
        await ana.Locator("#input").FillAsync("Hola Juan");
        await ana.Locator("#input").PressAsync("Enter");
        await view.ExpectAsync("Ana: Hola Juan");
        view.Type("Hola Ana, ¿qué tal?");
        await Expect(ana.Locator("#messages")).ToContainTextAsync("Juan: Hola Ana, ¿qué tal?");

        await ana.ReloadAsync();
        await Expect(ana.GetByLabel("Your alias")).ToHaveValueAsync("Ana");
        await Expect(ana.Locator("#messages li")).ToHaveCountAsync(0);
        await EnterAsync(ana, "Ana");

        // The last page comes back, in order, each message once, marked as history.
        var messages = ana.Locator("#messages");
        await Expect(messages).ToContainTextAsync("Juan: Hola Ana, ¿qué tal?");
        await Expect(messages).ToContainTextAsync("Ana: Hola Juan");
        await Expect(messages).ToContainTextAsync("Juan: old 13");
        await Expect(messages).Not.ToContainTextAsync("Juan: old 12");
        var history = ana.Locator("#messages li.history");
        await Expect(history).ToHaveCountAsync(50);
        await Expect(history.Last).ToContainTextAsync("Juan: Hola Ana, ¿qué tal?");
        await Expect(history.Last).ToBeInViewportAsync();
        await Expect(history.First).ToContainTextAsync("Juan: old 13");
        await Expect(ana.Locator("#messages li", new() { HasText = "Hola Juan" })).ToHaveCountAsync(1);

        // There are more: the button fetches the 12 before them, and then there are no more.
        var older = ana.GetByRole(AriaRole.Button, new() { Name = "Load older messages" });
        await Expect(older).ToBeVisibleAsync();
        await older.ClickAsync();
        await Expect(history).ToHaveCountAsync(62);
        await Expect(history.First).ToContainTextAsync("Juan: old 01");
        await Expect(history.Nth(11)).ToContainTextAsync("Juan: old 12");
        await Expect(history.Nth(12)).ToContainTextAsync("Juan: old 13");

        // The view moves to where the older messages meet the ones already shown.
        await Expect(history.Nth(11)).ToBeInViewportAsync();
        await Expect(history.Last).Not.ToBeInViewportAsync();
        await Expect(older).ToBeHiddenAsync();
        var texts = await ana.Locator("#messages li.history .text").AllTextContentsAsync();
        Assert.Equal(
            Enumerable.Range(1, 60).Select(i => $"old {i:D2}").Concat(["Hola Juan", "Hola Ana, ¿qué tal?"]),
            texts);

        // New messages still arrive after the history, not marked.
        view.Type("sigo aquí");
        await Expect(ana.Locator("#messages li").Last).ToContainTextAsync("Juan: sigo aquí");
        await Expect(ana.Locator("#messages li").Last).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bhistory\b"));

        view.Type("salir");
        Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
