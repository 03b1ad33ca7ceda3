using System.Globalization;
using Chat.Client;
using Chat.Client.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Chat.Web.Tests;

/// <summary>
/// Screenshots of the web client at desktop and phone widths, into the test output
/// (and into CHAT_SCREENSHOTS_DIR when set: docs/screenshots is made that way).
/// </summary>
public sealed class ScreenshotTests(BrowserFixture browsers) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Desktop_and_phone_screenshots()
    {
        string folder = Environment.GetEnvironmentVariable("CHAT_SCREENSHOTS_DIR") is { Length: > 0 } dir
            ? dir : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await using var server = await WebTestServer.StartAsync();

        var desktop = await browsers.NewPageAsync(1280, 800);
        await desktop.GotoAsync(server.Url.ToString());
        await desktop.GetByLabel("Your alias").FillAsync("María");
        await desktop.GetByLabel("Your alias").PressAsync("Enter");
        await Expect(desktop.Locator("#room-name")).ToHaveTextAsync("#general");
        await desktop.Locator("#input").FillAsync("/topic Bienvenidos al chat: sed amables");
        await desktop.Locator("#input").PressAsync("Enter");

        var phone = await browsers.NewPageAsync(390, 844, "es-ES");
        await phone.GotoAsync(server.Url.ToString());
        await phone.GetByLabel("Tu alias").FillAsync("Beto");
        await phone.GetByLabel("Tu alias").PressAsync("Enter");
        await Expect(phone.Locator("#room-name")).ToHaveTextAsync("#general");

        var view = new ScriptedView();
        var juan = new JoinSession(new JoinOptions { Alias = "Juan", Port = server.Port, Culture = CultureInfo.GetCultureInfo("es") }, view);
        var run = juan.RunAsync();
        await Expect(desktop.Locator("#user-list")).ToContainTextAsync("Juan");
        foreach (var (page, text) in new[] { (desktop, "Hola a todos! ¿Qué tal?"), (phone, "Hola María, ¿cómo va?") })
        {
            await page.Locator("#input").FillAsync(text);
            await page.Locator("#input").PressAsync("Enter");
        }

        view.Type("Buenas, acabo de llegar desde la terminal");
        view.Type("/me saluda con la mano");
        await Expect(desktop.Locator("#messages")).ToContainTextAsync("saluda con la mano");
        await desktop.Locator("#input").FillAsync("/join #proyectos");
        await desktop.Locator("#input").PressAsync("Enter");
        await Expect(desktop.Locator("#room-name")).ToHaveTextAsync("#proyectos");
        await desktop.Locator("#room-list button", new() { HasText = "#general" }).ClickAsync();
        view.Type("/msg María ¿vienes luego?");
        view.Type("¿Alguien ha visto el README?");
        await Expect(desktop.Locator("#room-list button", new() { HasText = "Juan" })).ToBeVisibleAsync();
        await Expect(phone.Locator("#messages")).ToContainTextAsync("README");
        await desktop.Locator("#input").FillAsync("Sí, está en docs/");
        await desktop.ScreenshotAsync(new() { Path = Path.Combine(folder, "desktop.png") });

        await Expect(phone.Locator("#messages")).ToContainTextAsync("saluda");
        await phone.ScreenshotAsync(new() { Path = Path.Combine(folder, "phone.png") });
        await phone.Locator("#toggle-rooms").ClickAsync();
        await Expect(phone.Locator("#rooms-panel")).ToBeVisibleAsync();
        await phone.ScreenshotAsync(new() { Path = Path.Combine(folder, "phone-rooms.png") });

        view.Type("salir");
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(File.Exists(Path.Combine(folder, "desktop.png")));
    }
}
