using System.Globalization;
using System.Net;

namespace Chat.Server.Tests;

/// <summary>Room messages in the server's log, as the original socket chat printed them, unless Log:Messages is off.</summary>
public class MessageLogTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Room_messages_are_logged_unless_turned_off_and_connections_always_are(bool logMessages)
    {
        var logs = new CapturingLoggerFactory();
        var options = new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = 0,
            ServerName = "test.server",
            Culture = CultureInfo.GetCultureInfo("en"),
            ShutdownGrace = TimeSpan.FromSeconds(2),
            LogMessages = logMessages,
        };
        await using var server = new ChatServer(options, logs);
        await server.StartAsync();
        using var ana = await TestClient.ConnectAsync(server.EndPoint!.Port);
        await ana.RegisterAsync("ana");
        using var bob = await TestClient.ConnectAsync(server.EndPoint!.Port);
        await bob.RegisterAsync("bob");
        ana.Send("JOIN #general");
        await ana.ExpectAsync(m => m.Command == "366");
        bob.Send("JOIN #general");
        await bob.ExpectAsync(m => m.Command == "366");

        ana.Send("PRIVMSG #general :Hola a todos!");
        await bob.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "Hola a todos!");

        Assert.Contains(logs.Lines, l => l.Contains("ana connected from 127.0.0.1", StringComparison.Ordinal));
        Assert.Equal(logMessages, logs.Lines.Any(l => l.Contains("ana: Hola a todos!", StringComparison.Ordinal)));
    }
}
