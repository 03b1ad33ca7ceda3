using System.Net;
using System.Net.WebSockets;
using Chat.Core.Transport;

namespace Chat.Web.Tests;

/// <summary>The web server without a browser: files, headers, the WebSocket transport and its origin check.</summary>
public sealed class WebServerTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Serves_the_embedded_client_with_the_security_headers()
    {
        await using var server = await WebTestServer.StartAsync();
        foreach (var (path, type) in new[] { ("/", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css"), ("/irc.js", "text/javascript") })
        {
            using var response = await Http.GetAsync(new Uri(server.Url, path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith(type, response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
            Assert.Equal(ChatWebServer.ContentSecurityPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        }

        using var missing = await Http.GetAsync(new Uri(server.Url, "/nothing.js"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.True(missing.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task The_page_loads_nothing_from_elsewhere_and_has_no_inline_script_or_style()
    {
        await using var server = await WebTestServer.StartAsync();
        var files = new EmbeddedFiles();
        Assert.Contains("/index.html", files.Paths);
        foreach (string path in files.Paths)
        {
            string text = System.Text.Encoding.UTF8.GetString(files.Find(path)!.Content);
            Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
            Assert.DoesNotContain("innerHTML", text, StringComparison.Ordinal);
            Assert.DoesNotContain("insertAdjacentHTML", text, StringComparison.Ordinal);
        }

        string html = await Http.GetStringAsync(server.Url);
        Assert.DoesNotMatch("<script(?![^>]*src=)", html);
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(" on[a-z]+=", html);
    }

    [Theory]
    [InlineData(new[] { IrcWebSocket.TextSubprotocol }, IrcWebSocket.TextSubprotocol, WebSocketMessageType.Text)]
    [InlineData(new[] { IrcWebSocket.BinarySubprotocol }, IrcWebSocket.BinarySubprotocol, WebSocketMessageType.Binary)]
    [InlineData(new[] { IrcWebSocket.BinarySubprotocol, IrcWebSocket.TextSubprotocol }, IrcWebSocket.BinarySubprotocol, WebSocketMessageType.Binary)]
    [InlineData(new string[0], null, WebSocketMessageType.Text)]
    public async Task WebSocket_clients_register_as_IRC_clients_one_line_per_message(string[] asked, string? chosen, WebSocketMessageType type)
    {
        await using var server = await WebTestServer.StartAsync();
        await using var ws = await LineClient.WebSocketAsync(server.WebSocketUrl, null, asked);
        Assert.Equal(chosen, string.IsNullOrEmpty(ws.Subprotocol) ? null : ws.Subprotocol);
        await ws.RegisterAsync("Web");
        string welcome = ws.Seen.First(l => l.Contains(" 001 ", StringComparison.Ordinal));
        Assert.DoesNotContain('\r', welcome);
        Assert.DoesNotContain('\n', welcome);
        Assert.Equal(type, ws.LastMessageType);
    }

    [Fact]
    public async Task A_WebSocket_client_whose_first_line_is_one_word_is_still_IRC_not_plain_mode()
    {
        await using var server = await WebTestServer.StartAsync();
        await using var ws = await LineClient.WebSocketAsync(server.WebSocketUrl, null, IrcWebSocket.TextSubprotocol);
        await ws.SendAsync("Beto");
        var reply = await ws.ExpectAsync(m => m.Command is "421" or "451");
        Assert.DoesNotContain(ws.Seen, l => l.Contains("Welcome to the chat", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Chat.State.ClientsSnapshot(), c => c.IsPlain);
        Assert.All(server.Chat.State.ClientsSnapshot(), c => Assert.True(c.IsWebSocket));
        Assert.NotNull(reply);
    }

    [Fact]
    public async Task WebSocket_TCP_and_plain_users_share_the_rooms()
    {
        await using var server = await WebTestServer.StartAsync();
        await using var ws = await LineClient.WebSocketAsync(server.WebSocketUrl, null, IrcWebSocket.TextSubprotocol);
        await ws.RegisterAsync("Web");
        await ws.SendAsync("JOIN #general");
        await ws.ExpectAsync(m => m.Command == "366");

        await using var tcp = await LineClient.TcpAsync(server.Port);
        await tcp.RegisterAsync("Irc");
        await tcp.SendAsync("JOIN #general");
        await tcp.ExpectAsync(m => m.Command == "366");
        await ws.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "Irc");

        await using var plain = await LineClient.TcpAsync(server.Port);
        await plain.SendAsync("Plano");
        await plain.ExpectLineAsync(l => l.StartsWith("Type 'salir'", StringComparison.Ordinal));
        await ws.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "Plano");

        await ws.SendAsync("PRIVMSG #general :hola desde la web ñ");
        await tcp.ExpectAsync(m => m.Command == "PRIVMSG" && m.Param(1) == "hola desde la web ñ");
        await plain.ExpectLineAsync(l => l == "Web: hola desde la web ñ");

        await plain.SendAsync("hola desde nc");
        await ws.ExpectAsync(m => m.Command == "PRIVMSG" && m.SourceNick == "Plano" && m.Param(1) == "hola desde nc");
    }

    [Fact]
    public async Task The_WebSocket_refuses_pages_from_other_origins()
    {
        await using var server = await WebTestServer.StartAsync(origins: ["https://chat.example.org"]);
        string own = $"http://localhost:{server.Web.Port}";

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => LineClient.WebSocketAsync(server.WebSocketUrl, "http://evil.example", IrcWebSocket.TextSubprotocol));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<WebSocketException>(() => LineClient.WebSocketAsync(server.WebSocketUrl, $"http://localhost:{server.Web.Port + 1}", IrcWebSocket.TextSubprotocol));
        await Assert.ThrowsAsync<WebSocketException>(() => LineClient.WebSocketAsync(server.WebSocketUrl, "null", IrcWebSocket.TextSubprotocol));

        foreach (string origin in new[] { own, $"http://127.0.0.1:{server.Web.Port}", "https://chat.example.org" })
        {
            await using var ws = await LineClient.WebSocketAsync(server.WebSocketUrl, origin, IrcWebSocket.TextSubprotocol);
            await ws.RegisterAsync("Ok" + Math.Abs(origin.GetHashCode()) % 1000);
        }
    }

    [Fact]
    public async Task Closing_the_server_tells_WebSocket_clients_why()
    {
        var server = await WebTestServer.StartAsync();
        await using var ws = await LineClient.WebSocketAsync(server.WebSocketUrl, null, IrcWebSocket.TextSubprotocol);
        await ws.RegisterAsync("Web");
        await server.DisposeAsync();
        await ws.ExpectLineAsync(l => l.StartsWith("ERROR", StringComparison.Ordinal));
        Assert.Null(await ws.ReadLineAsync());
    }
}
