using System.Globalization;
using Chat.Core.Protocol;

namespace Chat.Client;

/// <summary>
/// IRCv3 capability negotiation and chathistory for <see cref="IrcChatClient"/>.
/// It asks only for what the server offers in CAP LS, so against a server with
/// none of them (ngircd) it just ends negotiation and works as before.
/// </summary>
public sealed partial class IrcChatClient
{
    /// <summary>What we would like, in the order we ask: timestamps, batches, tags (msgid), and history.</summary>
    public static readonly IReadOnlyList<string> WantedCaps = ["server-time", "batch", "message-tags", "draft/chathistory", "chathistory"];

    /// <summary>Most messages asked for in one CHATHISTORY request; servers send at most their own limit.</summary>
    public const int HistoryLimit = 100;

    /// <summary>Reader-loop state: what CAP LS listed so far, the enabled caps and the open chathistory batches.</summary>
    private readonly HashSet<string> _offered = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _enabled = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (string Target, int Count)> _historyBatches = new(StringComparer.Ordinal);
    private volatile bool _canFetchHistory;

    /// <summary>True when the server agreed to draft/chathistory (or chathistory): missed messages can be fetched.</summary>
    public bool CanFetchHistory => _canFetchHistory;

    /// <summary>Asks for what <paramref name="room"/> said after <paramref name="since"/> (exclusive); arrives as history messages.</summary>
    public void FetchHistoryAfter(string room, DateTimeOffset since) =>
        SendRaw(new IrcMessage("CHATHISTORY", "AFTER", room, "timestamp=" + Timestamp(since), HistoryLimit.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Asks for the last <paramref name="limit"/> messages of <paramref name="room"/>.</summary>
    public void FetchLatestHistory(string room, int limit) =>
        SendRaw(new IrcMessage("CHATHISTORY", "LATEST", room, "*", limit.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The IRCv3 timestamp format: UTC with milliseconds, "2025-05-01T12:34:56.789Z".</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ServerTime(IrcMessage m) =>
        m.Tags.TryGetValue("time", out string? value)
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    /// <summary>Whether the message came in a chathistory batch; counts it for <see cref="HistoryEnded"/>.</summary>
    private bool IsHistory(IrcMessage m)
    {
        if (!m.Tags.TryGetValue("batch", out string? id) || !_historyBatches.TryGetValue(id, out var batch))
        {
            return false;
        }

        _historyBatches[id] = (batch.Target, batch.Count + 1);
        return true;
    }

    /// <summary>CAP LS (perhaps over several lines) → CAP REQ of what we want and is offered → ACK or NAK → CAP END.</summary>
    private void HandleCap(IrcMessage m)
    {
        switch (m.Param(1)?.ToUpperInvariant())
        {
            case "LS":
                bool more = m.Param(2) == "*";
                string list = (more ? m.Param(3) : m.Param(2)) ?? "";
                foreach (string cap in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    _offered.Add(cap.Split('=', 2)[0]);
                }

                if (!more && !IsRegistered)
                {
                    var wanted = WantedCaps.Where(_offered.Contains).ToList();
                    if (Auth is { } auth)
                    {
                        // Log in (or register) before CAP END, so a server that requires an account lets us in.
                        string login = auth.Register ? "draft/account-registration" : "sasl";
                        if (_offered.Contains(login))
                        {
                            wanted.Add(login);
                        }
                    }

                    SendRaw(wanted.Count == 0
                        ? new IrcMessage(IrcCommands.Cap, "END")
                        : new IrcMessage(IrcCommands.Cap, "REQ", string.Join(' ', wanted)));
                }

                break;
            case "ACK":
                foreach (string cap in (m.Param(2) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (cap.StartsWith('-'))
                    {
                        _enabled.Remove(cap[1..]);
                    }
                    else
                    {
                        _enabled.Add(cap);
                    }
                }

                _canFetchHistory = _enabled.Contains("draft/chathistory") || _enabled.Contains("chathistory");
                if (IsRegistered)
                {
                    break;
                }

                if (Auth is { Register: true } registering && _enabled.Contains("draft/account-registration"))
                {
                    _awaitingLogin = true;
                    SendRaw(new IrcMessage("REGISTER", "*", registering.Email ?? "*", registering.Password));
                }
                else if (Auth is not null && _enabled.Contains("sasl"))
                {
                    _awaitingLogin = true;
                    SendRaw(new IrcMessage(IrcCommands.Authenticate, "PLAIN"));
                }
                else
                {
                    EndNegotiation();
                }

                break;
            case "NAK":
                EndNegotiation();
                break;
        }
    }

    private void EndNegotiation()
    {
        if (!IsRegistered)
        {
            SendRaw(new IrcMessage(IrcCommands.Cap, "END"));
        }
    }

    /// <summary>BATCH +id chathistory #room ... BATCH -id: messages tagged with the id are history.</summary>
    private void HandleBatch(IrcMessage m)
    {
        string? reference = m.Param(0);
        if (reference is null || reference.Length < 2)
        {
            return;
        }

        if (reference[0] == '+' && m.Param(1) is { } type && type.EndsWith("chathistory", StringComparison.OrdinalIgnoreCase))
        {
            string target = m.Param(2) ?? "";
            _historyBatches[reference[1..]] = (target, 0);
            Emit(new HistoryStarted(target));
        }
        else if (reference[0] == '-' && _historyBatches.Remove(reference[1..], out var batch))
        {
            Emit(new HistoryEnded(batch.Target, batch.Count));
        }
    }
}
