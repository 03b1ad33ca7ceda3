using System.Globalization;
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using Chat.Client;
using Chat.Client.Tests;
using Chat.Core.Transport;
using Chat.Server;
using Chat.Server.Configuration;
using Chat.Server.Security;

namespace Chat.Web.Tests;

/// <summary>TLS for IRC and for the web port, the client's certificate checks, the self-signed flow and sts.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("chat-tls-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private X509Certificate2 Certificate() => TlsCertificates.SelfSigned(_data, out _);

    [Fact]
    public async Task The_TLS_listener_speaks_IRC_and_its_clients_are_secure()
    {
        var certificate = Certificate();
        await using var server = await WebTestServer.StartAsync(certificate: certificate);
        Assert.NotNull(server.Chat.TlsEndPoint);
        X509Certificate2? seen = null;
        await using var tls = await LineClient.TlsAsync(server.Chat.TlsEndPoint!.Port, (_, cert, _, _) =>
        {
            seen = new X509Certificate2(cert!);
            return true;
        });
        await tls.RegisterAsync("Segura");
        Assert.Equal(certificate.Thumbprint, seen!.Thumbprint);

        await using var plain = await LineClient.TcpAsync(server.Port);
        await plain.RegisterAsync("Plana");
        var clients = server.Chat.State.ClientsSnapshot();
        Assert.True(clients.Single(c => c.Nick == "Segura").IsSecure);
        Assert.False(clients.Single(c => c.Nick == "Plana").IsSecure);

        // Both listeners lead to the same rooms.
        await tls.SendAsync("JOIN #general");
        await tls.ExpectAsync(m => m.Command == "366");
        await plain.SendAsync("JOIN #general");
        await tls.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "Plana");
        await plain.SendAsync("PRIVMSG #general :hola");
        await tls.ExpectAsync(m => m.Command == "PRIVMSG" && m.Param(1) == "hola");
    }

    [Fact]
    public async Task Per_address_limits_count_TLS_and_WebSocket_connections_too()
    {
        await using var server = await WebTestServer.StartAsync(certificate: Certificate(), configure: o => o with
        {
            Throttle = new Chat.Server.Limits.ThrottleOptions { ExemptLoopback = false, MaxConcurrentPerIp = 2, MaxNewPerWindow = 100 },
        });
        int tlsPort = server.Chat.TlsEndPoint!.Port;
        await using var tls = await LineClient.TlsAsync(tlsPort);
        await tls.RegisterAsync("Uno");
        await using var web = await LineClient.WebSocketAsync(server.WebSocketUrl, null, IrcWebSocket.TextSubprotocol);
        await web.RegisterAsync("Dos");

        // A third connection from the same address is refused, whatever its transport.
        await using var third = await LineClient.WebSocketAsync(server.WebSocketUrl, null, IrcWebSocket.TextSubprotocol);
        Assert.StartsWith("ERROR :Too many connections from your address", await third.ReadLineAsync());
        Assert.Null(await third.ReadLineAsync());
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var fourth = await LineClient.TlsAsync(tlsPort);
            await fourth.RegisterAsync("Cuatro");
        });
        Assert.Equal(2, server.Chat.State.ClientCount);
    }

    [Fact]
    public async Task RequireTlsForLogin_allows_logging_in_only_over_TLS()
    {
        await using var server = await WebTestServer.StartAsync(certificate: Certificate(), configure: o => o with { RequireTlsForLogin = true });
        await using var tls = await LineClient.TlsAsync(server.Chat.TlsEndPoint!.Port);
        await tls.RegisterAsync("Segura");
        await using var plain = await LineClient.TcpAsync(server.Port);
        await plain.RegisterAsync("Plana");
        var clients = server.Chat.State.ClientsSnapshot();
        Assert.True(clients.Single(c => c.Nick == "Segura").MayLogIn);
        Assert.False(clients.Single(c => c.Nick == "Plana").MayLogIn);

        // An account, made over TLS; then SASL PLAIN is refused in clear and accepted over TLS.
        await tls.SendAsync("PRIVMSG NickServ :REGISTER correct-horse-battery");
        await tls.ExpectAsync(m => m.Command == "NOTICE" && m.Param(1)!.Contains("registered", StringComparison.Ordinal));
        string payload = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0Segura\0correct-horse-battery"));

        await using var clear = await LineClient.TcpAsync(server.Port);
        await clear.SendAsync("CAP REQ :sasl");
        await clear.ExpectAsync(m => m.Command == "CAP" && m.Param(1) == "ACK");
        await clear.SendAsync("AUTHENTICATE PLAIN");
        var refused = await clear.ExpectAsync(m => m.Command is "904" or "AUTHENTICATE");
        Assert.Equal("904", refused.Command);

        await using var secure = await LineClient.TlsAsync(server.Chat.TlsEndPoint!.Port);
        await secure.SendAsync("CAP REQ :sasl");
        await secure.ExpectAsync(m => m.Command == "CAP" && m.Param(1) == "ACK");
        await secure.SendAsync("AUTHENTICATE PLAIN");
        await secure.ExpectAsync(m => m.Command == "AUTHENTICATE" && m.Param(0) == "+");
        await secure.SendAsync("AUTHENTICATE " + payload);
        await secure.ExpectAsync(m => m.Command == "903");
    }

    [Fact]
    public async Task Sts_tells_plain_clients_the_TLS_port_and_TLS_clients_the_duration()
    {
        await using var server = await WebTestServer.StartAsync(certificate: Certificate());
        int tlsPort = server.Chat.TlsEndPoint!.Port;

        await using var plain = await LineClient.TcpAsync(server.Port);
        await plain.SendAsync("CAP LS 302");
        var ls = await plain.ExpectAsync(m => m.Command == "CAP" && m.Param(1) == "LS" && m.Param(2) != "*");
        Assert.Contains($"sts=port={tlsPort}", string.Join(' ', plain.Seen), StringComparison.Ordinal);
        Assert.DoesNotContain("sts=duration", string.Join(' ', plain.Seen), StringComparison.Ordinal);
        Assert.NotNull(ls);

        await using var tls = await LineClient.TlsAsync(tlsPort);
        await tls.SendAsync("CAP LS 302");
        await tls.ExpectAsync(m => m.Command == "CAP" && m.Param(1) == "LS" && m.Param(2) != "*");
        Assert.Contains($"sts=duration={(long)TimeSpan.FromDays(30).TotalSeconds}", string.Join(' ', tls.Seen), StringComparison.Ordinal);

        // Clients must not request it; the server refuses.
        await tls.SendAsync("CAP REQ sts");
        await tls.ExpectAsync(m => m.Command == "CAP" && m.Param(1) == "NAK");

        // WebSocket clients are not told about the IRC TLS port.
        await using var ws = await LineClient.WebSocketAsync(server.WebSocketUrl, null, IrcWebSocket.TextSubprotocol);
        await ws.SendAsync("CAP LS 302");
        await ws.ExpectAsync(m => m.Command == "CAP" && m.Param(1) == "LS" && m.Param(2) != "*");
        Assert.DoesNotContain("sts", string.Join(' ', ws.Seen), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_TLS_there_is_no_sts_and_no_TLS_listener()
    {
        await using var server = await WebTestServer.StartAsync();
        Assert.Null(server.Chat.TlsEndPoint);
        await using var plain = await LineClient.TcpAsync(server.Port);
        await plain.SendAsync("CAP LS 302");
        await plain.ExpectAsync(m => m.Command == "CAP" && m.Param(1) == "LS" && m.Param(2) != "*");
        Assert.DoesNotContain("sts", string.Join(' ', plain.Seen), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_web_port_is_HTTPS_and_WSS_with_the_certificate()
    {
        await using var server = await WebTestServer.StartAsync(certificate: Certificate());
        Assert.Equal("https", server.Url.Scheme);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        string html = await http.GetStringAsync(server.Url);
        Assert.Contains("app.js", html, StringComparison.Ordinal);

        await using var wss = await LineClient.WebSocketAsync(server.WebSocketUrl, null, IrcWebSocket.TextSubprotocol);
        Assert.Equal("wss", server.WebSocketUrl.Scheme);
        await wss.RegisterAsync("Wss");
        Assert.True(server.Chat.State.ClientsSnapshot().Single(c => c.Nick == "Wss").IsSecure);

        // An untrusted certificate is refused by a client that checks.
        using var strict = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await Assert.ThrowsAsync<HttpRequestException>(() => strict.GetStringAsync(server.Url));
    }

    [Fact]
    public async Task Chat_join_refuses_an_untrusted_certificate_with_one_clear_line()
    {
        await using var server = await WebTestServer.StartAsync(certificate: Certificate());
        int port = server.Chat.TlsEndPoint!.Port;
        var view = new ScriptedView();
        var session = new JoinSession(new JoinOptions { Alias = "Juan", Port = port, Tls = new ClientTls(), Culture = CultureInfo.GetCultureInfo("en") }, view);
        int code = await session.RunAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(JoinSession.ExitCannotConnect, code);
        string error = Assert.Single(view.Errors);
        Assert.Equal($"Could not connect to the server at 127.0.0.1:{port}: the server's certificate is not trusted (RemoteCertificateChainErrors). Use --insecure to connect anyway.", error);
    }

    [Fact]
    public async Task Chat_join_insecure_or_with_the_right_fingerprint_connects_and_chats_over_TLS()
    {
        var certificate = Certificate();
        await using var server = await WebTestServer.StartAsync(certificate: certificate);
        int port = server.Chat.TlsEndPoint!.Port;
        await using var friend = await LineClient.TlsAsync(port);
        await friend.RegisterAsync("Ana");
        await friend.SendAsync("JOIN #general");
        await friend.ExpectAsync(m => m.Command == "366");

        foreach (var (nick, tls) in new[]
        {
            ("Juan", new ClientTls { Insecure = true }),
            ("Eva", new ClientTls { Fingerprint = TlsCertificates.Fingerprint(certificate) }),
        })
        {
            var view = new ScriptedView();
            var session = new JoinSession(new JoinOptions { Alias = nick, Port = port, Tls = tls, Culture = CultureInfo.GetCultureInfo("en") }, view);
            var run = session.RunAsync();
            await friend.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == nick);
            view.Type("hola por TLS");
            await friend.ExpectAsync(m => m.Command == "PRIVMSG" && m.SourceNick == nick && m.Param(1) == "hola por TLS");
            Assert.True(server.Chat.State.ClientsSnapshot().Single(c => c.Nick == nick).IsSecure);
            view.Type("salir");
            Assert.Equal(JoinSession.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        var wrong = new ScriptedView();
        var pinned = new JoinSession(new JoinOptions { Alias = "Otro", Port = port, Tls = new ClientTls { Fingerprint = new string('A', 64) }, Culture = CultureInfo.GetCultureInfo("en") }, wrong);
        Assert.Equal(JoinSession.ExitCannotConnect, await pinned.RunAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("--tls-fingerprint", Assert.Single(wrong.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void The_self_signed_certificate_is_made_once_and_reused()
    {
        var first = TlsCertificates.SelfSigned(_data, out bool created);
        Assert.True(created);
        Assert.True(first.HasPrivateKey);
        Assert.Contains("localhost", first.GetNameInfo(X509NameType.DnsName, false), StringComparison.Ordinal);
        var san = first.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", san.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Loopback, san.EnumerateIPAddresses());
        Assert.Contains(System.Net.IPAddress.IPv6Loopback, san.EnumerateIPAddresses());
        Assert.InRange(first.NotAfter, DateTime.Now.AddDays(360), DateTime.Now.AddDays(367));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_data, TlsCertificates.SelfSignedKeyFile)));
        }

        var second = TlsCertificates.SelfSigned(_data, out bool createdAgain);
        Assert.False(createdAgain);
        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", TlsCertificates.Fingerprint(second));
    }

    [Fact]
    public void The_configuration_reads_the_TLS_and_web_keys()
    {
        string env = "CHATTEST" + Guid.NewGuid().ToString("N")[..8] + "_";
        var settings = ServerConfiguration.Load(null, ["--tls-self-signed", "true", "--data-dir", _data, "--tls-port", "0", "--no-plain", "false", "--web-port", "8080", "--web-origin", "https://a.example,https://b.example:8443"], env);
        Assert.NotNull(settings.Server.Tls.Certificate);
        Assert.False(settings.Server.Tls.PlainListener);
        Assert.Equal(0, settings.Server.Tls.Port);
        Assert.Null(settings.Server.Tls.StsDuration);
        Assert.Equal(8080, settings.Web.Port);
        Assert.Equal(["https://a.example", "https://b.example:8443"], settings.Web.Origins);
        Assert.True(settings.SelfSigned!.Created);

        var again = ServerConfiguration.Load(null, ["--tls-self-signed", "true", "--data-dir", _data], env);
        Assert.False(again.SelfSigned!.Created);
        Assert.Equal(settings.SelfSigned.Fingerprint, again.SelfSigned.Fingerprint);

        var noPlainAlone = Assert.Throws<ConfigurationException>(() => ServerConfiguration.Load(null, ["--no-plain", "false"], env));
        Assert.Contains("Listen:Plain", noPlainAlone.Message, StringComparison.Ordinal);
        var keyMissing = Assert.Throws<ConfigurationException>(() => ServerConfiguration.Load(null, ["--tls-cert", "cert.pem"], env));
        Assert.Contains("Tls:Key", keyMissing.Message, StringComparison.Ordinal);
        var badOrigin = Assert.Throws<ConfigurationException>(() => ServerConfiguration.Load(null, ["--web-origin", "evil.example/path"], env));
        Assert.Contains("Web:Origins", badOrigin.Message, StringComparison.Ordinal);

        string cert = Path.Combine(_data, TlsCertificates.SelfSignedCertificateFile);
        string key = Path.Combine(_data, TlsCertificates.SelfSignedKeyFile);
        var pem = ServerConfiguration.Load(null, ["--tls-cert", cert, "--tls-key", key], env);
        Assert.Equal(settings.Server.Tls.Certificate!.Thumbprint, pem.Server.Tls.Certificate!.Thumbprint);
        Assert.Equal(TimeSpan.FromDays(30), pem.Server.Tls.StsDuration);
    }
}
