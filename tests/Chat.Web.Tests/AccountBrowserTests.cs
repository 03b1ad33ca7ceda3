using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Web.Tests;

/// <summary>Logging in to an account and creating one from the web page (SASL PLAIN and REGISTER over the WebSocket).</summary>
public sealed class AccountBrowserTests(BrowserFixture browsers) : IClassFixture<BrowserFixture>
{
    private const string Password = "correcto-123";

    static AccountBrowserTests()
    {
        SetDefaultExpectTimeout(10_000);
    }

    private static async Task SubmitAsync(IPage page, string nick, string password, bool create = false)
    {
        await page.GetByLabel("Your alias").FillAsync(nick);
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Password" }).FillAsync(password);
        if (create)
        {
            await page.GetByLabel("Create an account").CheckAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
    }

    /// <summary>Waits (bounded) until the server has a registered client with that nick, and returns its account.</summary>
    private static async Task<string?> AccountOfAsync(WebTestServer server, string nick)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var client = server.Chat.State.ClientsSnapshot().FirstOrDefault(c => c.Nick == nick && c.Account is not null);
            if (client is not null || DateTime.UtcNow > deadline)
            {
                return client?.Account;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) until nobody with that nick is connected.</summary>
    private static async Task<bool> GoneAsync(WebTestServer server, string nick)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (server.Chat.State.ClientsSnapshot().Any(c => c.Nick == nick))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    [Fact]
    public async Task An_account_registered_over_IRC_logs_in_from_the_page_and_a_wrong_password_is_explained()
    {
        await using var server = await WebTestServer.StartAsync();

        // Registered beforehand by an IRC user, through NickServ.
        await using (var irc = await LineClient.TcpAsync(server.Port))
        {
            await irc.RegisterAsync("Ana");
            await irc.SendAsync($"PRIVMSG NickServ :REGISTER {Password}");
            await irc.ExpectLineAsync(l => l.Contains("NickServ", StringComparison.Ordinal) && l.Contains("is registered", StringComparison.Ordinal));
            await irc.SendAsync("QUIT :bye");
            await irc.ExpectLineAsync(l => l.StartsWith("ERROR", StringComparison.Ordinal));
        }

        var ana = await browsers.NewPageAsync();
        await ana.GotoAsync(server.Url.ToString());
        await Expect(ana.GetByRole(AriaRole.Textbox, new() { Name = "Password" })).ToBeVisibleAsync();

        // A wrong password: back on the form, saying why, and nobody called Ana is in.
        await SubmitAsync(ana, "Ana", "incorrecto-1");
        await Expect(ana.Locator("#login-error")).ToHaveTextAsync("Login failed: wrong alias or password.");
        await Expect(ana.Locator("#login-view")).ToBeVisibleAsync();
        await Expect(ana.Locator("#chat-view")).ToBeHiddenAsync();
        Assert.True(await GoneAsync(server, "Ana"), "Ana is still connected after a failed login");

        // The right one: in the room, logged in to the account.
        await ana.GetByRole(AriaRole.Textbox, new() { Name = "Password" }).FillAsync(Password);
        await ana.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
        await Expect(ana.Locator("#room-name")).ToHaveTextAsync("#general");
        Assert.Equal("Ana", await AccountOfAsync(server, "Ana"));
        await ana.Locator("#room-list button", new() { HasText = "Server" }).ClickAsync();
        await Expect(ana.Locator("#messages")).ToContainTextAsync("You are logged in as Ana.");

        // Others see the account in WHOIS (330 RPL_WHOISACCOUNT).
        await using var beto = await LineClient.TcpAsync(server.Port);
        await beto.RegisterAsync("Beto");
        await beto.SendAsync("WHOIS Ana");
        var whois = await beto.ExpectAsync(m => m.Command == "330");
        Assert.Equal(["Beto", "Ana", "Ana"], whois.Parameters.Take(3));
    }

    [Fact]
    public async Task An_account_is_created_from_the_page()
    {
        await using var server = await WebTestServer.StartAsync();
        var juan = await browsers.NewPageAsync();
        await juan.GotoAsync(server.Url.ToString());
        await Expect(juan.GetByLabel("Create an account")).ToBeVisibleAsync();

        // Too short a password is refused, and said so on the form.
        await SubmitAsync(juan, "Juan", "corta", create: true);
        await Expect(juan.Locator("#login-error")).ToHaveTextAsync("Login failed: The password must have at least 8 characters and no spaces");
        await Expect(juan.Locator("#chat-view")).ToBeHiddenAsync();

        await juan.GetByRole(AriaRole.Textbox, new() { Name = "Password" }).FillAsync(Password);
        await juan.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
        await Expect(juan.Locator("#room-name")).ToHaveTextAsync("#general");
        Assert.Equal("Juan", await AccountOfAsync(server, "Juan"));

        // The account exists: another browser logs in with it after Juan leaves.
        await juan.Locator("#input").FillAsync("/quit");
        await juan.Locator("#input").PressAsync("Enter");
        Assert.True(await GoneAsync(server, "Juan"));

        var again = await browsers.NewPageAsync();
        await again.GotoAsync(server.Url.ToString());
        await SubmitAsync(again, "Juan", Password, create: true);
        await Expect(again.Locator("#login-error")).ToHaveTextAsync("Login failed: That account already exists");
        await again.GetByLabel("Create an account").UncheckAsync();
        await again.GetByRole(AriaRole.Button, new() { Name = "Enter the chat" }).ClickAsync();
        await Expect(again.Locator("#room-name")).ToHaveTextAsync("#general");
        Assert.Equal("Juan", await AccountOfAsync(server, "Juan"));
    }
}
