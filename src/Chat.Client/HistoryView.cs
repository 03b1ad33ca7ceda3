using System.Globalization;
using Chat.Client.Resources;
using Chat.Client.Terminal;

namespace Chat.Client;

/// <summary>
/// How `chat join` shows history, apart from live chat: a "--- history ---"
/// line, then "[hh:mm] Ana: hola" lines, then "--- end of history ---"; and the
/// /history and /register commands. It remembers the oldest message seen, so
/// /history pages further back with CHATHISTORY BEFORE.
/// </summary>
public sealed class HistoryView
{
    private readonly ClientText _text;
    private readonly string _channel;
    private string? _oldestMsgId;
    private DateTimeOffset? _oldestTime;
    private bool _anyInBatch;

    public HistoryView(ClientText text, string channel)
    {
        _text = text;
        _channel = channel;
    }

    /// <summary>The line for a history event, or null when the event is not about history.</summary>
    public string? Render(ChatEvent e)
    {
        switch (e)
        {
            case HistoryStarted:
                _anyInBatch = false;
                return _text["HistoryStart"];
            case HistoryMessage h:
                if (!_anyInBatch)
                {
                    // Batches come oldest first: the first line of a batch is the oldest so far.
                    _anyInBatch = true;
                    _oldestMsgId = h.MsgId;
                    _oldestTime = h.Time;
                }

                string time = h.Time is { } t ? t.ToLocalTime().ToString("HH:mm", CultureInfo.InvariantCulture) : "--:--";
                var m = h.Message;
                string room = m.IsPrivate || Chat.Core.Protocol.IrcCaseMapping.Equals(m.Target, _channel) ? "" : $"[{m.Target}] ";
                string body = m.IsAction ? _text.Format("Action", m.From, m.Text)
                    : m.IsNotice ? _text.Format("Notice", m.From, m.Text)
                    : m.IsPrivate ? _text.Format("Private", m.From, m.Text)
                    : $"{m.From}: {m.Text}";
                return $"[{time}] {room}{body}";
            case HistoryEnded end:
                return end.Count == 0 ? _text["HistoryEmpty"] : _text["HistoryEnd"];
            default:
                return null;
        }
    }

    /// <summary>Runs /history [N] or /register password [email]; false for other commands.</summary>
    public static bool TryCommand(string line, IrcChatClient client, JoinOptions options, HistoryView history, IChatView view, ClientText text)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words[0].ToLowerInvariant())
        {
            case "/history":
                if (!client.HasChatHistory)
                {
                    view.ShowLine(text["HistoryUnavailable"]);
                    return true;
                }

                int count = options.HistoryLines > 0 ? options.HistoryLines : 20;
                if (words.Length > 1 && (!int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count <= 0))
                {
                    view.ShowLine(text["HistoryUsage"]);
                    return true;
                }

                client.RequestHistory(options.Channel, count, history._oldestMsgId, history._oldestMsgId is null ? history._oldestTime : null);
                return true;
            case "/register":
                if (words.Length is < 2 or > 3)
                {
                    view.ShowLine(text["RegisterUsage"]);
                    return true;
                }

                client.RegisterAccount(words[1], words.Length == 3 ? words[2] : null);
                return true;
            default:
                return false;
        }
    }
}
