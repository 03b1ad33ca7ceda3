using System.Globalization;
using Chat.Core.Protocol;
using Chat.Server.Storage;

namespace Chat.Server.History;

/// <summary>
/// Keeps every room and private message in the store before anyone sees it,
/// replays a room's recent messages to clients without chathistory when they
/// join, and turns stored messages back into lines.
/// </summary>
public sealed class HistoryService
{
    private readonly ChatServer _server;

    public HistoryService(ChatServer server, IChatStore store)
    {
        _server = server;
        Store = store;
    }

    public IChatStore Store { get; }

    private StoreOptions Options => _server.Options.Store;

    /// <summary>The conversation a room's messages are filed under.</summary>
    public static string RoomKey(string channel) => IrcCaseMapping.Fold(channel);

    /// <summary>The conversation of two people: both folded nicks, sorted, so either side finds it.</summary>
    public static string DirectKey(string a, string b)
    {
        string x = IrcCaseMapping.Fold(a), y = IrcCaseMapping.Fold(b);
        return string.CompareOrdinal(x, y) <= 0 ? $"{x} {y}" : $"{y} {x}";
    }

    /// <summary>
    /// Stores a message and runs <paramref name="deliver"/> once it is committed, so
    /// nobody (not even the sender's echo) sees a message a crash could lose. TAGMSG
    /// and CTCP requests other than ACTION are not history and go out at once. If
    /// the store fails the message is not delivered and the sender is told.
    /// </summary>
    public void Record(Client sender, Outgoing line, string command, string target, string conversation, string? text, Action deliver)
    {
        if (text is null || command == IrcCommands.Tagmsg || (text.StartsWith('\u0001') && !text.StartsWith("\u0001ACTION ", StringComparison.Ordinal)))
        {
            deliver();
            return;
        }

        var message = new StoredMessage(
            line.MsgId!,
            line.Time,
            conversation,
            command,
            sender.Prefix,
            sender.Nick!,
            line.Account,
            target,
            text,
            FormatTags(line.ClientTags));
        sender.AfterStored(Store, message, error =>
        {
            if (error is null)
            {
                deliver();
            }
            else
            {
                _server.Log.StoreFailed(error, conversation);
                if (command == IrcCommands.Privmsg)
                {
                    sender.SendStandardReply("FAIL", command, "MESSAGE_ERROR", target, "Your message could not be stored and was not sent");
                }
            }
        });
    }

    /// <summary>Client-only tags in tag syntax ("+a=b;+c"), or null.</summary>
    public static string? FormatTags(IReadOnlyDictionary<string, string>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return null;
        }

        return string.Join(';', tags.Select(t => t.Value.Length == 0 ? t.Key : $"{t.Key}={IrcTagEscaping.Escape(t.Value)}"));
    }

    public static Dictionary<string, string>? ParseTags(string? tags)
    {
        if (string.IsNullOrEmpty(tags))
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in tags.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq < 0)
            {
                result[part] = "";
            }
            else
            {
                result[part[..eq]] = IrcTagEscaping.Unescape(part[(eq + 1)..]);
            }
        }

        return result;
    }

    /// <summary>A stored message as a line again, with its original msgid, time and account.</summary>
    public static Outgoing ToOutgoing(StoredMessage m) =>
        new(new IrcMessage(null, m.Sender, m.Command, [m.Target, m.Text]), null)
        {
            Time = m.Time,
            MsgId = m.MsgId,
            Account = m.Account,
            ClientTags = ParseTags(m.Tags),
        };

    /// <summary>Sends messages in a chathistory batch (or bare, without the batch capability).</summary>
    public static void SendBatch(Client client, string batchTarget, IReadOnlyList<StoredMessage> messages)
    {
        string? reference = client.Has(Cap.Batch) ? LabeledResponse.NewBatchReference() : null;
        if (reference is not null)
        {
            client.Send(new IrcMessage(null, client.Server.Name, IrcCommands.Batch, ["+" + reference, "chathistory", batchTarget]));
        }

        foreach (var m in messages)
        {
            var line = ToOutgoing(m).MessageFor(client.Caps);
            if (reference is not null)
            {
                var tags = new Dictionary<string, string>(line.Tags, StringComparer.Ordinal) { ["batch"] = reference };
                line = line.WithTags(tags);
            }

            client.Send(line);
        }

        if (reference is not null)
        {
            client.Send(new IrcMessage(null, client.Server.Name, IrcCommands.Batch, ["-" + reference]));
        }
    }

    /// <summary>
    /// After a join: the room's last messages for clients that cannot ask for them
    /// (no chathistory), marked as history: server-time tags and a chathistory
    /// batch when negotiated, NOTICE lines around them otherwise, "[history]" for
    /// plain users. The store is read without holding up the thread; the replay
    /// is the client's deferred work, so its next command waits for it.
    /// </summary>
    public void ReplayOnJoin(Client client, string channel)
    {
        if (Options.ReplayOnJoin <= 0 || client.Has(Cap.ChatHistory))
        {
            return;
        }

        client.After(Store.LatestAsync(RoomKey(channel), null, Options.ReplayOnJoin), done =>
        {
            if (done.IsCompletedSuccessfully)
            {
                Replay(client, channel, done.Result);
            }
            else
            {
                _server.Log.StoreFailed(StoreTasks.ErrorOf(done, "store failed"), channel);
            }
        });
    }

    private void Replay(Client client, string channel, IReadOnlyList<StoredMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var text = _server.Text;
        if (client.IsPlain)
        {
            client.SendPlain(text.Format("ReplayStart", messages.Count, channel));
            foreach (var m in messages)
            {
                client.SendPlain(text.Format("PlainHistory", m.Time.ToLocalTime().ToString("HH:mm", CultureInfo.InvariantCulture), PlainText(m)));
            }

            client.SendPlain(text["ReplayEnd"]);
            return;
        }

        bool framed = !client.Has(Cap.Batch);
        if (framed)
        {
            client.Send(new IrcMessage(null, _server.Name, IrcCommands.Notice, [client.NickOrStar, text.Format("ReplayStart", messages.Count, channel)]));
        }

        SendBatch(client, channel, messages);
        if (framed)
        {
            client.Send(new IrcMessage(null, _server.Name, IrcCommands.Notice, [client.NickOrStar, text["ReplayEnd"]]));
        }
    }

    private string PlainText(StoredMessage m)
    {
        var text = _server.Text;
        if (m.Text.StartsWith("\u0001ACTION ", StringComparison.Ordinal))
        {
            return text.Format("PlainAction", m.SenderNick, m.Text[8..].TrimEnd('\u0001'));
        }

        return m.Command == IrcCommands.Notice ? text.Format("PlainNotice", m.SenderNick, m.Text) : $"{m.SenderNick}: {m.Text}";
    }
}
