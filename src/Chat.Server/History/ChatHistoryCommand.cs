using System.Globalization;
using Chat.Core.Protocol;
using Chat.Server.Commands;
using Chat.Server.Storage;

namespace Chat.Server.History;

/// <summary>
/// IRCv3 draft/chathistory: CHATHISTORY LATEST, BEFORE, AFTER, AROUND, BETWEEN
/// and TARGETS, with msgid= and timestamp= references. Results come in a
/// chathistory batch; errors are FAIL standard replies. A room's history is
/// for its members; a private talk's for its two people.
/// </summary>
public sealed class ChatHistoryCommand
{
    public const string Verb = "CHATHISTORY";

    private readonly ChatServer _server;

    public ChatHistoryCommand(ChatServer server)
    {
        _server = server;
    }

    private HistoryService History => _server.History;

    private int MaxLimit => _server.Options.Store.MaxHistoryRequest;

    /// <summary>The ISUPPORT tokens this command needs.</summary>
    public IEnumerable<string> IsupportTokens => [$"CHATHISTORY={MaxLimit}", "MSGREFTYPES=msgid,timestamp"];

    public void Register(CommandTable table) => table.Add(Verb, 0, false, Handle);

    private void Fail(Client client, string code, params string[] context) =>
        client.SendStandardReply("FAIL", Verb, code, context);

    private void Handle(Client client, IrcMessage message)
    {
        var p = message.Parameters;
        if (p.Count == 0)
        {
            Fail(client, "NEED_MORE_PARAMS", "*", "Missing parameters");
            return;
        }

        string sub = p[0].ToUpperInvariant();
        int needed = sub switch
        {
            "LATEST" or "BEFORE" or "AFTER" or "AROUND" => 4,
            "BETWEEN" => 5,
            "TARGETS" => 4,
            _ => -1,
        };
        if (needed < 0)
        {
            Fail(client, "UNKNOWN_COMMAND", p[0], "Unknown command");
            return;
        }

        if (p.Count < needed)
        {
            Fail(client, "NEED_MORE_PARAMS", sub, "Missing parameters");
            return;
        }

        if (!int.TryParse(p[needed - 1], NumberStyles.None, CultureInfo.InvariantCulture, out int limit) || limit <= 0)
        {
            Fail(client, "INVALID_PARAMS", sub, p[needed - 1], "The limit must be a positive number");
            return;
        }

        limit = Math.Min(limit, MaxLimit);
        if (sub == "TARGETS")
        {
            Targets(client, p[1], p[2], limit);
            return;
        }

        string target = p[1];
        string? conversation = ConversationFor(client, target);
        if (conversation is null)
        {
            Fail(client, "INVALID_TARGET", sub, target, "Messages could not be retrieved");
            return;
        }

        HistoryRef? first = null;
        if (!(sub == "LATEST" && p[2] == "*"))
        {
            first = HistoryRef.Parse(p[2]);
            if (first is null)
            {
                Fail(client, "INVALID_PARAMS", sub, p[2], "Expected msgid=<id>, timestamp=<YYYY-MM-DDThh:mm:ss.sssZ>" + (sub == "LATEST" ? " or *" : ""));
                return;
            }
        }

        HistoryRef? second = null;
        if (sub == "BETWEEN")
        {
            second = HistoryRef.Parse(p[3]);
            if (second is null)
            {
                Fail(client, "INVALID_PARAMS", sub, p[3], "Expected msgid=<id> or timestamp=<YYYY-MM-DDThh:mm:ss.sssZ>");
                return;
            }
        }

        var store = History.Store;
        Task<IReadOnlyList<StoredMessage>> query = sub switch
        {
            "LATEST" => store.LatestAsync(conversation, first, limit),
            "BEFORE" => store.BeforeAsync(conversation, first!, limit),
            "AFTER" => store.AfterAsync(conversation, first!, limit),
            "AROUND" => store.AroundAsync(conversation, first!, limit),
            _ => store.BetweenAsync(conversation, first!, second!, limit),
        };

        client.After(query, done =>
        {
            if (!done.IsCompletedSuccessfully)
            {
                _server.Log.StoreFailed(StoreTasks.ErrorOf(done, "query failed"), conversation);
                Fail(client, "MESSAGE_ERROR", sub, target, "Messages could not be retrieved");
                return;
            }

            HistoryService.SendBatch(client, target, done.Result);
        });
    }

    /// <summary>The conversation key for a target the client may read, or null.</summary>
    private string? ConversationFor(Client client, string target)
    {
        if (IrcValidation.IsChannel(target))
        {
            if (!IrcValidation.IsValidChannel(target) || !IsMember(client, HistoryService.RoomKey(target)))
            {
                return null;
            }

            return HistoryService.RoomKey(target);
        }

        return IrcValidation.IsValidNick(target) && OwnsNick(client) ? HistoryService.DirectKey(client.Nick!, target) : null;
    }

    /// <summary>
    /// Private history is filed by nick: someone holding a registered nick
    /// without being logged in to it (during the grace period) may not read it.
    /// </summary>
    private bool OwnsNick(Client client) =>
        !_server.Accounts.IsRegisteredName(client.Nick!)
        || (client.Account is not null && IrcCaseMapping.Equals(client.Account, client.Nick!));

    private bool IsMember(Client client, string roomKey)
    {
        var channel = _server.State.FindChannel(roomKey);
        if (channel is null)
        {
            return false;
        }

        lock (_server.State.Gate)
        {
            return channel.Contains(client);
        }
    }

    /// <summary>Whether the client may see a conversation: a room it is in, or a private talk it is part of.</summary>
    private bool Visible(Client client, string conversation)
    {
        if (conversation.StartsWith('#'))
        {
            return IsMember(client, conversation);
        }

        string me = IrcCaseMapping.Fold(client.Nick!);
        return OwnsNick(client) && conversation.Split(' ').Contains(me, StringComparer.Ordinal);
    }

    private void Targets(Client client, string fromText, string toText, int limit)
    {
        if (HistoryRef.Parse(fromText) is not TimeRef from)
        {
            Fail(client, "INVALID_PARAMS", "TARGETS", fromText, "Expected timestamp=<YYYY-MM-DDThh:mm:ss.sssZ>");
            return;
        }

        if (HistoryRef.Parse(toText) is not TimeRef to)
        {
            Fail(client, "INVALID_PARAMS", "TARGETS", toText, "Expected timestamp=<YYYY-MM-DDThh:mm:ss.sssZ>");
            return;
        }

        string me = IrcCaseMapping.Fold(client.Nick!);
        var query = History.Store.TargetsAsync(from.Time, to.Time, limit, c => Visible(client, c));
        client.After(query, done =>
        {
            if (!done.IsCompletedSuccessfully)
            {
                Fail(client, "MESSAGE_ERROR", "TARGETS", "*", "Messages could not be retrieved");
                return;
            }

            string? reference = client.Has(Cap.Batch) ? LabeledResponse.NewBatchReference() : null;
            var batchTag = reference is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { ["batch"] = reference };
            if (reference is not null)
            {
                client.Send(new IrcMessage(null, _server.Name, IrcCommands.Batch, ["+" + reference, "draft/chathistory-targets"]));
            }

            foreach (var summary in done.Result)
            {
                var last = summary.LastMessage;
                string name = summary.Conversation.StartsWith('#') ? last.Target
                    : IrcCaseMapping.Fold(last.SenderNick) == me ? last.Target : last.SenderNick;
                client.Send(new IrcMessage(batchTag, _server.Name, Verb, ["TARGETS", name, Outgoing.FormatTime(summary.Latest)]));
            }

            if (reference is not null)
            {
                client.Send(new IrcMessage(null, _server.Name, IrcCommands.Batch, ["-" + reference]));
            }
        });
    }
}
