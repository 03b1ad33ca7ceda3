using System.Text;

namespace Chat.Server.Tests;

/// <summary>
/// A client's messages are dispatched while earlier ones still wait for their
/// store commit (pipelining). What others and the sender see keeps the order the
/// client sent things in.
/// </summary>
public class PipeliningTests
{
    private const int Burst = 60;

    private static byte[] MessagesThen(string last) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, Burst).Select(i => $"PRIVMSG #general :m{i}\r\n")) + last + "\r\n");

    [Fact]
    public async Task A_burst_of_messages_reaches_the_room_in_order_before_a_following_part()
    {
        await using var server = await TestServer.StartAsync();
        using var juan = await server.JoinAsync("Juan");
        using var maria = await server.JoinAsync("Maria");
        await juan.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "Maria");

        maria.SendBytes(MessagesThen("PART #general :bye"));
        for (int i = 0; i < Burst; i++)
        {
            var message = await juan.ExpectAsync(m => m.Command is "PRIVMSG" or "PART");
            Assert.Equal("PRIVMSG", message.Command);
            Assert.Equal($"m{i}", message.Parameters[1]);
        }

        await juan.ExpectAsync(m => m.Command == "PART" && m.SourceNick == "Maria");
    }

    [Fact]
    public async Task A_burst_of_messages_reaches_the_room_before_the_senders_quit()
    {
        await using var server = await TestServer.StartAsync();
        using var juan = await server.JoinAsync("Juan");
        using var maria = await server.JoinAsync("Maria");
        await juan.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "Maria");

        maria.SendBytes(MessagesThen("QUIT :done"));
        for (int i = 0; i < Burst; i++)
        {
            var message = await juan.ExpectAsync(m => m.Command is "PRIVMSG" or "QUIT");
            Assert.Equal("PRIVMSG", message.Command);
            Assert.Equal($"m{i}", message.Parameters[1]);
        }

        await juan.ExpectAsync(m => m.Command == "QUIT" && m.SourceNick == "Maria");
    }

    [Fact]
    public async Task A_burst_of_messages_reaches_the_room_before_the_sender_disconnects()
    {
        await using var server = await TestServer.StartAsync();
        using var juan = await server.JoinAsync("Juan");
        var maria = await server.JoinAsync("Maria");
        await juan.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "Maria");

        // The last line is the end of the connection itself.
        maria.SendBytes(MessagesThen("PRIVMSG #general :last"));
        maria.Dispose();
        for (int i = 0; i < Burst; i++)
        {
            var message = await juan.ExpectAsync(m => m.Command is "PRIVMSG" or "QUIT");
            Assert.Equal($"m{i}", message.Parameters[1]);
        }

        await juan.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "last");
        await juan.ExpectAsync(m => m.Command == "QUIT" && m.SourceNick == "Maria");
    }

    [Fact]
    public async Task Replies_to_a_later_command_come_after_the_echoes_of_earlier_messages()
    {
        await using var server = await TestServer.StartAsync();
        using var maria = await server.WithCapsAsync("Maria", "echo-message");

        maria.SendBytes(MessagesThen("PING :after"));
        for (int i = 0; i < Burst; i++)
        {
            var echo = await maria.ExpectAsync(m => m.Command is "PRIVMSG" or "PONG");
            Assert.Equal("PRIVMSG", echo.Command);
            Assert.Equal($"m{i}", echo.Parameters[1]);
        }

        await maria.ExpectAsync(m => m.Command == "PONG");
    }
}
