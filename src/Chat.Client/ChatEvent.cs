namespace Chat.Client;

/// <summary>Something the user should see or the session must react to.</summary>
public abstract record ChatEvent;

/// <summary>The server accepted our registration as <paramref name="Nick"/>.</summary>
public sealed record Registered(string Nick) : ChatEvent;

/// <summary>The nick we asked for was refused; <paramref name="InUse"/> says whether it was taken or invalid.</summary>
public sealed record NickRejected(string Nick, bool InUse) : ChatEvent;

/// <summary>A PRIVMSG or NOTICE from a user, to a room or to us.</summary>
public sealed record MessageReceived(string From, string Target, string Text, bool IsPrivate, bool IsNotice, bool IsAction) : ChatEvent
{
    /// <summary>When the server says it was sent (server-time), if it says.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The server's id for it (message-tags), if any: the same message fetched again is recognised.</summary>
    public string? MsgId { get; init; }

    /// <summary>True when it came in a chathistory batch: said earlier, fetched now.</summary>
    public bool IsHistory { get; init; }
}

/// <summary>Someone (perhaps we) joined a room.</summary>
public sealed record UserJoined(string Nick, string Channel, bool IsSelf) : ChatEvent;

/// <summary>Someone left a room (PART) or the server (QUIT, <paramref name="Channel"/> null).</summary>
public sealed record UserLeft(string Nick, string? Channel, string? Reason, bool IsSelf) : ChatEvent;

public sealed record NickChanged(string OldNick, string NewNick, bool IsSelf) : ChatEvent;

/// <summary>The people in a room (RPL_NAMREPLY lines up to RPL_ENDOFNAMES), as the server lists them: "@Ana", "Beto".</summary>
public sealed record NamesReceived(string Channel, IReadOnlyList<string> Names) : ChatEvent;

/// <summary>
/// A room's topic: the reply to asking (or joining), with <paramref name="SetBy"/> null,
/// or a change someone made. <paramref name="Topic"/> null or empty: no topic.
/// </summary>
public sealed record TopicChanged(string Channel, string? Topic, string? SetBy) : ChatEvent;

/// <summary>Someone (perhaps we) was removed from a room by <paramref name="By"/>.</summary>
public sealed record UserKicked(string Nick, string Channel, string By, string? Reason, bool IsSelf) : ChatEvent;

/// <summary>The server confirmed our away status (RPL_NOWAWAY / RPL_UNAWAY).</summary>
public sealed record AwayChanged(bool IsAway) : ChatEvent;

/// <summary>Someone we wrote to is away (RPL_AWAY).</summary>
public sealed record UserAway(string Nick, string Message) : ChatEvent;

/// <summary>A NOTICE from the server itself, or an error reply shown as text.</summary>
public sealed record ServerNotice(string Text) : ChatEvent;

/// <summary>The connection ended; <paramref name="Expected"/> when we asked to leave.</summary>
public sealed record Disconnected(string Reason, bool Expected) : ChatEvent;

/// <summary>The server said we are logged in to <paramref name="Account"/> (900).</summary>
public sealed record LoggedIn(string Account) : ChatEvent;

/// <summary>SASL login failed (904-906): the session goes on without an account.</summary>
public sealed record LoginFailed(string Reason) : ChatEvent;

/// <summary>REGISTER SUCCESS: the account exists and we are logged in to it.</summary>
public sealed record AccountRegistered(string Account) : ChatEvent;

/// <summary>A chathistory batch for <paramref name="Target"/> begins.</summary>
public sealed record HistoryStarted(string Target) : ChatEvent;


/// <summary>The chathistory batch for <paramref name="Target"/> ended after <paramref name="Count"/> messages.</summary>
public sealed record HistoryEnded(string Target, int Count) : ChatEvent;
