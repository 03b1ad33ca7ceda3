using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using Chat.Core.Transport;
using Chat.Server;
using Chat.Server.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Chat.Web;

/// <summary>
/// `chat serve --web-port`: Kestrel on the chat server's host, serving the web
/// client (embedded files) at "/" and the IRCv3 WebSocket transport at
/// <see cref="WebSocketPath"/>, whose connections go into the same
/// <see cref="ChatServer"/> as TCP and TLS ones. With the server's TLS
/// certificate, it is HTTPS and WSS.
/// </summary>
public sealed partial class ChatWebServer : IAsyncDisposable
{
    /// <summary>Where IRC clients open the WebSocket: ws(s)://host:port/irc.</summary>
    public const string WebSocketPath = "/irc";

    /// <summary>The policy every page carries: nothing inline, nothing from elsewhere, never framed.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

    private readonly ChatServer _chat;
    private readonly WebSettings _settings;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly EmbeddedFiles _files = new();
    private readonly OriginPolicy _origins;
    private WebApplication? _app;

    public ChatWebServer(ChatServer chat, WebSettings settings, ILoggerFactory? loggers = null)
    {
        _chat = chat;
        _settings = settings;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _log = _loggers.CreateLogger("Chat.Web");
        _origins = new OriginPolicy(settings.Origins);
    }

    /// <summary>The page's address once started, e.g. http://127.0.0.1:8080/.</summary>
    public Uri? Url { get; private set; }

    public int Port => Url?.Port ?? 0;

    public bool IsHttps => _chat.Options.Tls.Certificate is not null;

    /// <summary>The origins whose pages may open the WebSocket (known once started).</summary>
    public IReadOnlyCollection<string> AllowedOrigins => _origins.Allowed;

    /// <summary>Binds and starts serving. Throws IOException when the port is taken.</summary>
    public async Task StartAsync(CancellationToken cancel = default)
    {
        var host = _chat.Options.Host;
        X509Certificate2? certificate = _chat.Options.Tls.Certificate;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_loggers));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(host, _settings.Port ?? 0, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });

        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Use(AddSecurityHeaders);
        app.Run(HandleAsync);
        await app.StartAsync(cancel).ConfigureAwait(false);
        _app = app;

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        int port = new Uri(address).Port;
        _origins.AddOwn(host, port, certificate is not null);
        string shown = host.Equals(IPAddress.Any) ? "127.0.0.1" : host.Equals(IPAddress.IPv6Any) ? "[::1]"
            : host.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host.ToString();
        Url = new Uri($"{(certificate is not null ? "https" : "http")}://{shown}:{port}/");
        WebListening(_log, Url.ToString(), new Uri(Url, WebSocketPath).ToString().Replace("http", "ws", StringComparison.Ordinal));
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(limit.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static Task AddSecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        return next(context);
    }

    private Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path.Equals(WebSocketPath, StringComparison.Ordinal))
        {
            return WebSocketAsync(context);
        }

        return StaticFileAsync(context);
    }

    private async Task StaticFileAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        if (_files.Find(request.Path.Value ?? "/") is not { } file)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync("Not found\n").ConfigureAwait(false);
            return;
        }

        response.Headers.ETag = file.ETag;
        response.Headers.CacheControl = "no-cache";
        if (request.Headers.IfNoneMatch == file.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = file.ContentType;
        response.ContentLength = file.Content.Length;
        if (HttpMethods.IsGet(request.Method))
        {
            await response.Body.WriteAsync(file.Content, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private async Task WebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("This is the IRC WebSocket endpoint (text.ircv3.net, binary.ircv3.net).\n").ConfigureAwait(false);
            return;
        }

        string? origin = context.Request.Headers.Origin;
        var remote = new IPEndPoint(context.Connection.RemoteIpAddress ?? IPAddress.None, context.Connection.RemotePort);
        if (!_origins.Allows(origin))
        {
            OriginRefused(_log, origin ?? "", remote.ToString());
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("This page's origin may not open the chat WebSocket.\n").ConfigureAwait(false);
            return;
        }

        string? subprotocol = IrcWebSocket.Choose(context.WebSockets.WebSocketRequestedProtocols);
        WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(subprotocol).ConfigureAwait(false);
        var stream = new WebSocketLineStream(socket, binary: subprotocol == IrcWebSocket.BinarySubprotocol);

        // The request lasts as long as the IRC session; the session disposes the stream.
        await _chat.AcceptAsync(stream, remote, secure: context.Request.IsHttps, webSocket: true).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Web client at {Url} (IRC over WebSocket at {WebSocketUrl})")]
    private static partial void WebListening(ILogger logger, string url, string webSocketUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WebSocket from {Endpoint} refused: origin {Origin} is not allowed")]
    private static partial void OriginRefused(ILogger logger, string origin, string endpoint);

    /// <summary>Hands ASP.NET Core's own warnings and errors to the server's loggers.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory loggers) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => loggers.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
