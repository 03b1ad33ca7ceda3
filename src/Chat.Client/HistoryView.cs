using System.Globalization;
using Chat.Client.Resources;
using Chat.Client.Terminal;
using Chat.Core.Protocol;

namespace Chat.Client;

/// <summary>
/// How `chat join` frames history apart from live chat: a "--- history ---"
/// line before a chathistory batch and "--- end of history ---" after it (the
/// messages themselves carry their time); and the /history and /register
/// commands. It remembers the oldest message seen in each room, so /history
/// pages further back with CHATHISTORY BEFORE.
/// </summary>
public sealed class HistoryView
{
    private readonly ClientText _text;
    private readonly Dictionary<string, (string? MsgId, DateTimeOffset? Time)> _oldest = new(IrcCaseMapping.Comparer);
    private readonly HashSet<string> _firstOfBatch = new(IrcCaseMapping.Comparer);

    public HistoryView(ClientText text)
    {
        _text = text;
    }

    /// <summary>The line for the start or end of a history batch, or null for other events.</summary>
    public string? Render(ChatEvent e)
    {
        switch (e)
        {
            case HistoryStarted started:
                lock (_oldest)
                {
                    _firstOfBatch.Add(started.Target);
                }

                return _text["HistoryStart"];
            case HistoryEnded end:
                lock (_oldest)
                {
                    _firstOfBatch.Remove(end.Target);
                }

                return end.Count == 0 ? _text["HistoryEmpty"] : _text["HistoryEnd"];
            default:
                return null;
        }
    }

    /// <summary>Notes a room message, so /history knows where the oldest one shown is.</summary>
    public void Saw(MessageReceived m)
    {
        if (m.IsPrivate || m.Time is not { } time)
        {
            return;
        }

        lock (_oldest)
        {
            // Batches come oldest first, so a batch's first message is its oldest, even
            // when several share a millisecond; otherwise only an earlier time counts.
            bool first = m.IsHistory && _firstOfBatch.Remove(m.Target);
            bool known = _oldest.TryGetValue(m.Target, out var oldest) && oldest.Time is not null;
            if (!known || (first ? time <= oldest.Time : time < oldest.Time))
            {
                _oldest[m.Target] = (m.MsgId, time);
            }
        }
    }

    /// <summary>Runs /history [N] (for <paramref name="room"/>) or /register password [email]; false for other commands.</summary>
    public bool TryCommand(string line, IrcChatClient client, int defaultCount, string? room, IChatView view)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return false;
        }

        switch (words[0].ToLowerInvariant())
        {
            case "/history":
                if (!client.HasChatHistory)
                {
                    view.ShowLine(_text["HistoryUnavailable"]);
                    return true;
                }

                int count = defaultCount > 0 ? defaultCount : 20;
                if (words.Length > 1 && (!int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count <= 0))
                {
                    view.ShowLine(_text["HistoryUsage"]);
                    return true;
                }

                if (room is null)
                {
                    view.ShowLine(_text["NoRoom"]);
                    return true;
                }

                (string? MsgId, DateTimeOffset? Time) before;
                lock (_oldest)
                {
                    before = _oldest.GetValueOrDefault(room);
                }

                client.RequestHistory(room, count, before.MsgId, before.MsgId is null ? before.Time : null);
                return true;
            case "/register":
                if (words.Length is < 2 or > 3)
                {
                    view.ShowLine(_text["RegisterUsage"]);
                    return true;
                }

                client.RegisterAccount(words[1], words.Length == 3 ? words[2] : null);
                return true;
            default:
                return false;
        }
    }
}
