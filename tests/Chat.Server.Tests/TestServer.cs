using System.Globalization;
using System.Net;
using Chat.Core.Transport;

namespace Chat.Server.Tests;

/// <summary>A ChatServer on 127.0.0.1, port 0, with short timeouts; stopped on dispose.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(ChatServer server)
    {
        Server = server;
    }

    public ChatServer Server { get; }

    public int Port => Server.EndPoint!.Port;

    public static async Task<TestServer> StartAsync(Func<ServerOptions, ServerOptions>? configure = null, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
    {
        var options = new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = 0,
            ServerName = "test.server",
            Culture = CultureInfo.GetCultureInfo("en"),
            ShutdownGrace = TimeSpan.FromSeconds(2),
            Connection = new ConnectionOptions(),

            // Tests send lines as fast as they can; flood control has tests of its own.
            Flood = new Limits.FloodOptions { Enabled = false },
        };
        if (configure is not null)
        {
            options = configure(options);
        }

        var server = new ChatServer(options, loggers);
        await server.StartAsync();
        return new TestServer(server);
    }

    public Task<TestClient> ConnectAsync() => TestClient.ConnectAsync(Port);

    /// <summary>Connects and registers an IRC client with the given nick.</summary>
    public async Task<TestClient> RegisterAsync(string nick)
    {
        var client = await ConnectAsync();
        await client.RegisterAsync(nick);
        return client;
    }

    /// <summary>Registers an IRC client and joins it to a room, reading up to the end of NAMES.</summary>
    public async Task<TestClient> JoinAsync(string nick, string channel = "#general")
    {
        var client = await RegisterAsync(nick);
        client.Send($"JOIN {channel}");
        await client.ExpectAsync(m => m.Command == "366");
        return client;
    }

    /// <summary>Connects a plain-mode user and reads up to its welcome lines.</summary>
    public async Task<TestClient> PlainAsync(string alias)
    {
        var client = await ConnectAsync();
        client.Send(alias);
        await client.ExpectLineAsync(l => l.StartsWith("Type 'salir'", StringComparison.Ordinal));
        return client;
    }

    /// <summary>Registers with the given capabilities and joins <paramref name="join"/> (up to the end of NAMES, or of a replay).</summary>
    public async Task<TestClient> WithCapsAsync(string nick, string caps, string? join = "#general")
    {
        var c = await ConnectAsync();
        c.Send("CAP LS 302");
        c.Send($"NICK {nick}");
        c.Send($"USER {nick} 0 * :Real {nick}");
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "LS" && m.Parameters[2] != "*");
        c.Send($"CAP REQ :{caps}");
        var ack = await c.ExpectAsync(m => m.Command == "CAP");
        Assert.Equal("ACK", ack.Parameters[1]);
        c.Send("CAP END");
        await c.ExpectAsync(m => m.Command == "376");
        if (join is not null)
        {
            c.Send($"JOIN {join}");
            await c.ExpectAsync(m => m.Command == "366");
        }

        return c;
    }

    public async ValueTask DisposeAsync() => await Server.StopAsync();
}
