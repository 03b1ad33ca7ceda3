using Microsoft.Playwright;

namespace Chat.Web.Tests;

/// <summary>
/// Debian's Chromium (tests/setup.sh installs it), headless, driven by Playwright;
/// one per test class. Playwright gives every launch a fresh temporary profile and
/// every context its own storage, so two contexts are two independent browsers.
/// Nothing is downloaded: `playwright install` is never run.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run `bash tests/setup.sh` (it installs Debian's chromium).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 30_000,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A new, independent browser session (own cookies and storage) with the given viewport.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800, string locale = "en-US")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = locale,
            IgnoreHTTPSErrors = true,
        });
        context.SetDefaultTimeout(10_000);
        context.SetDefaultNavigationTimeout(15_000);
        var page = await context.NewPageAsync();
        page.Dialog += (_, dialog) => throw new InvalidOperationException("A dialog opened: " + dialog.Message);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
