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
        await using var server = await TestServer.StartAsync(o => o with { LogMessages = logMessages }, logs);
        using var ana = await server.JoinAsync("ana");
        using var bob = await server.JoinAsync("bob");

        ana.Send("PRIVMSG #general :Hola a todos!");
        await bob.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "Hola a todos!");

        Assert.Contains(logs.Lines, l => l.Contains("ana connected from 127.0.0.1", StringComparison.Ordinal));
        Assert.Equal(logMessages, logs.Lines.Any(l => l.Contains("ana: Hola a todos!", StringComparison.Ordinal)));
    }
}
