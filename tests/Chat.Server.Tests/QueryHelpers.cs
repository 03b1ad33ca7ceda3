using Chat.Core.Protocol;

namespace Chat.Server.Tests;

/// <summary>Helpers for tests of query commands: read a reply up to its end numeric.</summary>
public static class QueryHelpers
{
    /// <summary>Reads messages up to and including the first <paramref name="endNumeric"/>; returns the numerics among them (bounded wait).</summary>
    public static async Task<List<IrcMessage>> ReplyAsync(this TestClient client, string endNumeric, TimeSpan? timeout = null)
    {
        var replies = new List<IrcMessage>();
        await client.ExpectAsync(
            m =>
            {
                if (Numerics.IsNumeric(m.Command))
                {
                    replies.Add(m);
                }

                return m.Command == endNumeric;
            },
            timeout);
        return replies;
    }

    /// <summary>Sends a line and reads its reply up to <paramref name="endNumeric"/>.</summary>
    public static Task<List<IrcMessage>> AskAsync(this TestClient client, string line, string endNumeric)
    {
        client.Send(line);
        return client.ReplyAsync(endNumeric);
    }

    /// <summary>Waits until everything sent before has been handled (PING round trip), returning what arrived meanwhile.</summary>
    public static async Task<List<IrcMessage>> SyncAsync(this TestClient client)
    {
        string token = "sync" + Guid.NewGuid().ToString("N")[..8];
        client.Send("PING " + token);
        var seen = new List<IrcMessage>();
        await client.ExpectAsync(m =>
        {
            seen.Add(m);
            return m.Command == "PONG" && m.Parameters.Contains(token);
        });
        return seen;
    }

    public static IrcMessage Single(this List<IrcMessage> replies, string numeric) =>
        Assert.Single(replies, m => m.Command == numeric);
}
