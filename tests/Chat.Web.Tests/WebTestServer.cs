using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Chat.Server;
using Chat.Server.Configuration;

namespace Chat.Web.Tests;

/// <summary>A ChatServer on loopback (port 0) with its web server; stopped on dispose.</summary>
public sealed class WebTestServer : IAsyncDisposable
{
    private WebTestServer(ChatServer chat, ChatWebServer web)
    {
        Chat = chat;
        Web = web;
    }

    public ChatServer Chat { get; }

    public ChatWebServer Web { get; }

    public int Port => Chat.EndPoint!.Port;

    public Uri Url => Web.Url!;

    public Uri WebSocketUrl => new(Url.ToString().Replace("http", "ws", StringComparison.Ordinal) + "irc");

    /// <param name="webPort">0 for a free port; a given one to restart on the same port.</param>
    public static async Task<WebTestServer> StartAsync(
        int webPort = 0, X509Certificate2? certificate = null, IReadOnlyList<string>? origins = null, Func<ServerOptions, ServerOptions>? configure = null)
    {
        var options = new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = 0,
            ServerName = "test.server",
            Culture = CultureInfo.GetCultureInfo("en"),
            ShutdownGrace = TimeSpan.FromSeconds(2),
            Tls = new TlsOptions { Certificate = certificate, Port = 0 },
        };
        options = configure?.Invoke(options) ?? options;
        var chat = new ChatServer(options);
        await chat.StartAsync();
        var web = new ChatWebServer(chat, new WebSettings { Port = webPort, Origins = origins ?? [] });
        await web.StartAsync();
        return new WebTestServer(chat, web);
    }

    public async ValueTask DisposeAsync()
    {
        await Chat.StopAsync();
        await Web.StopAsync();
    }
}
