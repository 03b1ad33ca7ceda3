namespace Chat.Server.Storage;

/// <summary>One stored message: a PRIVMSG or NOTICE to a room or between two people.</summary>
/// <param name="Conversation">The folded key a message is filed under: the room ("#general") or, for a private message, both nicks ("ana bob", sorted).</param>
/// <param name="Target">The target as sent (room name or recipient nick).</param>
/// <param name="Sender">The sender's full prefix ("nick!user@host").</param>
/// <param name="Tags">Client-only tags ("+typing=...") in IRC tag syntax without '@', or null.</param>
public sealed record StoredMessage(
    string MsgId,
    DateTimeOffset Time,
    string Conversation,
    string Command,
    string Sender,
    string SenderNick,
    string? Account,
    string Target,
    string Text,
    string? Tags);

/// <summary>A point in a conversation's history: a message or an instant.</summary>
public abstract record HistoryRef
{
    /// <summary>"msgid=..." or "timestamp=..."; null when the text is neither.</summary>
    public static HistoryRef? Parse(string text)
    {
        if (text.StartsWith("msgid=", StringComparison.Ordinal) && text.Length > 6)
        {
            return new MsgIdRef(text[6..]);
        }

        if (text.StartsWith("timestamp=", StringComparison.Ordinal)
            && DateTimeOffset.TryParseExact(text[10..], ["yyyy-MM-dd'T'HH:mm:ss.fff'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'"],
                System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var time))
        {
            return new TimeRef(time);
        }

        return null;
    }
}

public sealed record MsgIdRef(string MsgId) : HistoryRef;

public sealed record TimeRef(DateTimeOffset Time) : HistoryRef;

/// <summary>A conversation with its latest message, for CHATHISTORY TARGETS.</summary>
public sealed record ConversationSummary(string Conversation, DateTimeOffset Latest, StoredMessage LastMessage);

/// <summary>
/// Where history and accounts live. Writes go through one writer that commits
/// in groups; a write's task completes once it is committed (see
/// <see cref="SqliteChatStore"/> for what "committed" survives). Reads never wait
/// for the writer.
/// </summary>
public interface IChatStore : IAsyncDisposable
{
    /// <summary>Queues a message; the task completes when it is committed.</summary>
    Task AppendAsync(StoredMessage message);

    /// <summary>The last <paramref name="limit"/> messages, or those after <paramref name="after"/> (excluded), oldest first.</summary>
    Task<IReadOnlyList<StoredMessage>> LatestAsync(string conversation, HistoryRef? after, int limit);

    /// <summary>Up to <paramref name="limit"/> messages just before <paramref name="reference"/> (excluded), oldest first.</summary>
    Task<IReadOnlyList<StoredMessage>> BeforeAsync(string conversation, HistoryRef reference, int limit);

    /// <summary>Up to <paramref name="limit"/> messages just after <paramref name="reference"/> (excluded), oldest first.</summary>
    Task<IReadOnlyList<StoredMessage>> AfterAsync(string conversation, HistoryRef reference, int limit);

    /// <summary>About half before and half from <paramref name="reference"/> on, oldest first.</summary>
    Task<IReadOnlyList<StoredMessage>> AroundAsync(string conversation, HistoryRef reference, int limit);

    /// <summary>Messages strictly between two points, counted from <paramref name="from"/>, oldest first.</summary>
    Task<IReadOnlyList<StoredMessage>> BetweenAsync(string conversation, HistoryRef from, HistoryRef to, int limit);

    /// <summary>Conversations with a message between two instants, with their latest one, in time order.</summary>
    Task<IReadOnlyList<ConversationSummary>> TargetsAsync(DateTimeOffset from, DateTimeOffset to, int limit, Func<string, bool> visible);

    /// <summary>Deletes messages older than <paramref name="maxAge"/> and beyond <paramref name="maxPerConversation"/> per conversation; returns how many went.</summary>
    Task<int> PruneAsync(TimeSpan? maxAge, int? maxPerConversation);

    /// <summary>How many messages are stored (for tests and the benchmark).</summary>
    Task<long> CountAsync();

    /// <summary>The account named <paramref name="name"/> (case-insensitively), or null.</summary>
    Task<Accounts.AccountRecord?> FindAccountAsync(string name);

    /// <summary>Adds an account; false when the name is taken.</summary>
    Task<bool> CreateAccountAsync(Accounts.AccountRecord account);

    /// <summary>The folded names of every account, to protect their nicks.</summary>
    Task<IReadOnlyList<string>> AccountNamesAsync();
}

/// <summary>
/// A store whose writer can run what follows a message's commit itself, in the
/// order the messages were queued: delivery then waits for no other thread, and
/// one sender's messages keep their order without each awaiting the last.
/// </summary>
public interface IOrderedAppend
{
    /// <summary>
    /// Queues a message as <see cref="IChatStore.AppendAsync"/> does and calls
    /// <paramref name="stored"/> once it is committed (with null) or has failed
    /// (with the error): on the store's writer, in queue order, so it must be
    /// short and must never wait on the store. The task completes after it ran.
    /// </summary>
    Task AppendAsync(StoredMessage message, Action<Exception?> stored);
}
