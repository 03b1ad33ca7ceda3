using Chat.Core.Protocol;

namespace Chat.Server.Tests;

/// <summary>Helpers for the room, mode and moderation tests; every wait is bounded by TestClient's timeouts.</summary>
public static class ChannelTestHelpers
{
    private static int _fences;

    /// <summary>
    /// Sends a PING and returns every message that arrives before its PONG: all
    /// replies to the commands sent before it, and every broadcast that was queued
    /// for this client before the PING was read.
    /// </summary>
    public static async Task<List<IrcMessage>> UntilFenceAsync(this TestClient client)
    {
        string token = "fence" + Interlocked.Increment(ref _fences);
        client.Send($"PING :{token}");
        var seen = new List<IrcMessage>();
        while (true)
        {
            string line = await client.ReadLineAsync() ?? throw new InvalidOperationException(
                "Connection closed before the fence. Seen:\n" + string.Join("\n", client.Seen.TakeLast(30)));
            var message = IrcParser.Parse(line);
            if (message.Command == "PONG" && message.Parameters[^1] == token)
            {
                return seen;
            }

            seen.Add(message);
        }
    }

    /// <summary>Reads up to the next message with this command (a numeric or a verb).</summary>
    public static Task<IrcMessage> ExpectCommandAsync(this TestClient client, string command) =>
        client.ExpectAsync(m => m.Command == command);

    /// <summary>Sends a line and returns what comes back before a fence.</summary>
    public static async Task<List<IrcMessage>> RoundTripAsync(this TestClient client, string line)
    {
        client.Send(line);
        return await client.UntilFenceAsync();
    }

    /// <summary>Registers a client, returning it with its ISUPPORT tokens (name to value) and its RPL_MYINFO.</summary>
    public static async Task<(TestClient Client, Dictionary<string, string> Tokens, IrcMessage MyInfo)> RegisterWithIsupportAsync(
        this TestServer server, string nick)
    {
        var client = await server.ConnectAsync();
        client.Send($"NICK {nick}");
        client.Send($"USER {nick} 0 * :{nick}");
        var tokens = new Dictionary<string, string>();
        IrcMessage? myInfo = null;
        while (true)
        {
            var m = await client.ExpectAsync(m => m.Command is "004" or "005" or "376" or "422");
            if (m.Command == "004")
            {
                myInfo = m;
                continue;
            }

            if (m.Command != "005")
            {
                break;
            }

            foreach (string token in m.Parameters.Skip(1).Take(m.Parameters.Count - 2))
            {
                int eq = token.IndexOf('=');
                tokens[eq < 0 ? token : token[..eq]] = eq < 0 ? "" : token[(eq + 1)..];
            }
        }

        return (client, tokens, myInfo ?? throw new InvalidOperationException("No 004 in the welcome burst."));
    }

    /// <summary>Joins a room and reads up to the end of NAMES.</summary>
    public static async Task JoinRoomAsync(this TestClient client, string channel, string? key = null)
    {
        client.Send(key is null ? $"JOIN {channel}" : $"JOIN {channel} {key}");
        await client.ExpectAsync(m => m.Command == "366");
    }

    /// <summary>Sends a MODE change and waits for the acting client to see it echoed.</summary>
    public static async Task<IrcMessage> SetModeAsync(this TestClient client, string channel, string modes)
    {
        // Other members' mode changes may still be unread; the server answers this
        // client's commands in order, so its own change is the last MODE before the fence.
        client.Send($"MODE {channel} {modes}");
        var seen = await client.UntilFenceAsync();
        return seen.LastOrDefault(m => m.Command == "MODE" && m.Parameters[0] == channel)
            ?? throw new InvalidOperationException($"No MODE {channel} came back for '{modes}'. Seen:\n" + string.Join("\n", seen.Select(m => m.ToString())));
    }

    /// <summary>Connects a plain-mode user in any language, reading up to its second welcome line.</summary>
    public static async Task<TestClient> PlainInAnyLanguageAsync(this TestServer server, string alias)
    {
        var client = await server.ConnectAsync();
        client.Send(alias);
        await client.ExpectLineAsync(l => l.Contains("'salir'", StringComparison.Ordinal));
        return client;
    }

    public static IEnumerable<string> Commands(this IEnumerable<IrcMessage> messages) => messages.Select(m => m.Command);
}
