using System.Text;

namespace Chat.Server.Tests;

/// <summary>
/// Random and hostile input with fixed seeds, so a failure can be replayed: the
/// server answers or disconnects cleanly, never fails, and keeps serving others.
/// </summary>
public class FuzzTests
{
    private static readonly string[] Commands = ["PRIVMSG", "NOTICE", "JOIN", "PART", "MODE", "TOPIC", "NICK", "WHO", "WHOIS", "KICK", "TAGMSG", "CAP", "PING", "LIST", "NAMES", "INVITE", "AWAY", "SETNAME", "ISON", "USERHOST", "WHOWAS"];

    /// <summary>One hostile line (terminator included) of a kind picked at random.</summary>
    private static byte[] HostileLine(Random random)
    {
        switch (random.Next(9))
        {
            case 0:
                // Random bytes, any of them, CR LF and NUL included.
                var bytes = new byte[random.Next(1, 700)];
                random.NextBytes(bytes);
                return [.. bytes, (byte)'\n'];
            case 1:
                // Random tags with escapes, some huge.
                var tags = new StringBuilder("@");
                int count = random.Next(1, 40);
                for (int i = 0; i < count; i++)
                {
                    tags.Append(random.Next(3) == 0 ? "+" : "").Append("k").Append(random.Next(1000)).Append('=');
                    tags.Append(new string('\\', random.Next(3))).Append("v\\s\\:").Append(new string('x', random.Next(0, 600)));
                    tags.Append(';');
                }

                return Encoding.UTF8.GetBytes(tags + " PRIVMSG #fuzz :tagged\r\n");
            case 2:
                // Far too long.
                return Encoding.ASCII.GetBytes("PRIVMSG #fuzz :" + new string('y', random.Next(600, 20_000)) + "\r\n");
            case 3:
                // Invalid UTF-8 in the text.
                return [.. "PRIVMSG #fuzz :bad "u8.ToArray(), 0xC3, 0x28, 0xFF, 0xE2, 0x82, (byte)'\r', (byte)'\n'];
            case 4:
                // NUL and bare CR in the middle.
                return Encoding.ASCII.GetBytes("PRIVMSG #fuzz :a\0b\rPRIVMSG #fuzz :c\r\n");
            case 5:
                // A command with random parameters, spaces and colons.
                var line = new StringBuilder(Commands[random.Next(Commands.Length)]);
                int words = random.Next(0, 20);
                for (int i = 0; i < words; i++)
                {
                    line.Append(' ', random.Next(1, 3));
                    line.Append(random.Next(4) switch
                    {
                        0 => "#fuzz",
                        1 => ":" + new string('z', random.Next(0, 30)),
                        2 => "+" + "ovbklimnst"[random.Next(10)],
                        _ => random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    });
                }

                return Encoding.UTF8.GetBytes(line + "\r\n");
            case 6:
                // A truncated line: no terminator yet, the next line finishes it.
                return Encoding.ASCII.GetBytes("PRIVMSG #fuzz :trunc");
            case 7:
                // Only separators.
                return Encoding.ASCII.GetBytes(new string(' ', random.Next(0, 20)) + "\r\n\r\n\n\r");
            default:
                // A source prefix, with or without a command.
                return Encoding.ASCII.GetBytes(random.Next(2) == 0 ? ":only.a.source\r\n" : ":a!b@c PRIVMSG #fuzz :spoofed\r\n");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task Hostile_input_split_anywhere_never_breaks_the_server(int seed)
    {
        var logs = new CapturingLoggerFactory();
        await using var server = await TestServer.StartAsync(loggers: logs);
        using var bystander = await server.JoinAsync("bystander", "#fuzz");
        var random = new Random(seed);
        for (int round = 0; round < 5; round++)
        {
            using var fuzzer = await server.JoinAsync($"fuzzer{round}", "#fuzz");
            var stream = new List<byte>();
            for (int i = 0; i < 60; i++)
            {
                stream.AddRange(HostileLine(random));
            }

            stream.AddRange("\r\nPING :end\r\n"u8.ToArray());

            // Sent in random pieces, so lines arrive split at arbitrary bytes.
            var all = stream.ToArray();
            int at = 0;
            try
            {
                while (at < all.Length)
                {
                    int piece = Math.Min(all.Length - at, random.Next(1, 300));
                    fuzzer.SendBytes(all[at..(at + piece)]);
                    at += piece;
                }

                // It is either still served, or was disconnected cleanly.
                var reply = await fuzzer.ExpectLineAsync(l => l.Contains("PONG", StringComparison.Ordinal) || l.StartsWith("ERROR", StringComparison.Ordinal));
                Assert.NotNull(reply);
            }
            catch (IOException)
            {
                // The server closed the connection while we were still sending: a clean disconnect.
            }
            catch (InvalidOperationException)
            {
                // Closed before answering: also a clean disconnect.
            }

            bystander.Send($"PING :round{round}");
            await bystander.ExpectAsync(m => m.Command == "PONG" && m.Parameters[^1] == $"round{round}");
        }

        var errors = logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task A_message_split_at_every_byte_arrives_whole()
    {
        await using var server = await TestServer.StartAsync();
        using var reader = await server.JoinAsync("reader", "#fuzz");
        using var writer = await server.JoinAsync("writer", "#fuzz");
        var line = Encoding.UTF8.GetBytes("@+draft/reply=x\\sy PRIVMSG #fuzz :señal 😀 completa\r\n");
        foreach (byte b in line)
        {
            writer.SendBytes([b]);
            await Task.Delay(2);
        }

        var m = await reader.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("señal 😀 completa", m.Parameters[1]);
    }

    [Fact]
    public async Task Hostile_input_from_a_plain_user_never_breaks_the_server()
    {
        var logs = new CapturingLoggerFactory();
        await using var server = await TestServer.StartAsync(loggers: logs);
        using var bystander = await server.JoinAsync("bystander");
        using var plain = await server.PlainAsync("Fuzzy");
        var random = new Random(42);
        var stream = new List<byte>();
        for (int i = 0; i < 200; i++)
        {
            stream.AddRange(HostileLine(random));
        }

        stream.AddRange("\n/names\n"u8.ToArray());
        var all = stream.ToArray();
        for (int at = 0; at < all.Length;)
        {
            int piece = Math.Min(all.Length - at, random.Next(1, 300));
            plain.SendBytes(all[at..(at + piece)]);
            at += piece;
        }

        try
        {
            await plain.ExpectLineAsync(l => l.StartsWith("Users in #general", StringComparison.Ordinal));
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(ex.Message + "\nLog:\n" + string.Join("\n", logs.Lines.Where(l => (l.Contains("Fuzzy", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal)) && !l.Contains(" in #", StringComparison.Ordinal) && !l.Contains("Fuzzy:", StringComparison.Ordinal))));
        }
        bystander.Send("PING :after");
        await bystander.ExpectAsync(m => m.Command == "PONG");
        var errors = logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
