using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chat.Server.Cluster;

/// <summary>
/// One thing that happened on a node, as it travels to the others in a NOTIFY
/// payload (JSON). Which fields are set depends on <see cref="Type"/>; see
/// <see cref="ClusterEventTypes"/>. A payload with a <see cref="Version"/> this
/// node does not know, or a type it does not know, is logged and skipped.
/// </summary>
internal sealed record ClusterEvent
{
    /// <summary>The payload format this node writes and reads.</summary>
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>One of <see cref="ClusterEventTypes"/>.</summary>
    [JsonPropertyName("t")]
    public string Type { get; init; } = "";

    /// <summary>The publishing node's id.</summary>
    [JsonPropertyName("n")]
    public string Node { get; init; } = "";

    /// <summary>The publishing node's counter: orders its own events and keeps payloads distinct.</summary>
    [JsonPropertyName("s")]
    public long Seq { get; init; }

    /// <summary>For a payload too large for NOTIFY: the id of the row in cluster_events that holds it.</summary>
    [JsonPropertyName("ref")]
    public long? Ref { get; init; }

    /// <summary>The user who acted (cluster id).</summary>
    [JsonPropertyName("u")]
    public string? User { get; init; }

    [JsonPropertyName("nick")]
    public string? Nick { get; init; }

    [JsonPropertyName("ident")]
    public string? Ident { get; init; }

    [JsonPropertyName("host")]
    public string? Host { get; init; }

    [JsonPropertyName("real")]
    public string? RealName { get; init; }

    [JsonPropertyName("acct")]
    public string? Account { get; init; }

    [JsonPropertyName("away")]
    public string? Away { get; init; }

    /// <summary>The room, as the publishing node names it.</summary>
    [JsonPropertyName("room")]
    public string? Room { get; init; }

    /// <summary>Who set the topic carried by a JOIN (for a node that did not know the room).</summary>
    [JsonPropertyName("by")]
    public string? TopicSetBy { get; init; }

    /// <summary>A message's text, a topic, a reason, a node's name.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <summary>PRIVMSG, NOTICE or TAGMSG.</summary>
    [JsonPropertyName("cmd")]
    public string? Command { get; init; }

    /// <summary>The other user (cluster id): a private message's recipient, a kicked or invited user.</summary>
    [JsonPropertyName("to")]
    public string? Target { get; init; }

    [JsonPropertyName("msgid")]
    public string? MsgId { get; init; }

    /// <summary>When it happened, in Unix milliseconds.</summary>
    [JsonPropertyName("time")]
    public long Time { get; init; }

    [JsonPropertyName("tags")]
    public Dictionary<string, string>? Tags { get; init; }

    /// <summary>A member's status (<see cref="MemberStatus"/> as a number).</summary>
    [JsonPropertyName("st")]
    public int Status { get; init; }

    /// <summary>A MODE line's parameters ("+o-v", "ana", "beto").</summary>
    [JsonPropertyName("modes")]
    public string[]? Modes { get; init; }

    /// <summary>The room's modes after a MODE change.</summary>
    [JsonPropertyName("state")]
    public RoomModes? RoomModes { get; init; }

    /// <summary>Member statuses a MODE changed: cluster user id to status.</summary>
    [JsonPropertyName("statuses")]
    public Dictionary<string, int>? Statuses { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, ClusterJson.Default.ClusterEvent);

    /// <summary>
    /// What makes the event unfit to show to users (a nick or room that is not
    /// one, a line break in a text), or null. Nodes only publish what their users
    /// could send, so this guards against what else may reach the NOTIFY channel.
    /// </summary>
    public string? Problem()
    {
        if (Nick is not null && !Chat.Core.Protocol.IrcValidation.IsValidNick(Nick))
        {
            return "an invalid nick";
        }

        if (Room is not null && !Chat.Core.Protocol.IrcValidation.IsValidChannel(Room))
        {
            return "an invalid room name";
        }

        foreach (var text in new[] { Ident, Host, RealName, Account, Away, Text, TopicSetBy, MsgId, Command })
        {
            if (text is not null && text.AsSpan().IndexOfAny("\r\n\0") >= 0)
            {
                return "a line break or NUL in a text";
            }
        }

        if (Ident is { Length: 0 } || Ident?.Contains(' ') == true || Host is { Length: 0 } || Host?.Contains(' ') == true)
        {
            return "an invalid user or host";
        }

        return null;
    }

    /// <summary>The event, or null when the payload is not one (logged by the caller).</summary>
    public static ClusterEvent? Parse(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, ClusterJson.Default.ClusterEvent);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The kinds of <see cref="ClusterEvent"/>.</summary>
internal static class ClusterEventTypes
{
    /// <summary>A user finished registering (nick, ident, host, real name, account).</summary>
    public const string Connect = "connect";

    public const string Quit = "quit";

    public const string Join = "join";

    public const string Part = "part";

    public const string Kick = "kick";

    public const string Nick = "nick";

    public const string Topic = "topic";

    public const string Mode = "mode";

    public const string Away = "away";

    /// <summary>PRIVMSG, NOTICE or TAGMSG to a room: delivered by every node, the sender's too, in NOTIFY order.</summary>
    public const string RoomMessage = "msg";

    /// <summary>PRIVMSG, NOTICE or TAGMSG to a user on another node.</summary>
    public const string DirectMessage = "dm";

    public const string Invite = "invite";

    /// <summary>An operator's KILL of a user on another node (text: the comment; command: the quit reason).</summary>
    public const string Kill = "kill";

    /// <summary>A node's presence changed wholesale (it came back): the others reload it from the tables.</summary>
    public const string Sync = "sync";

    /// <summary>A node stopped cleanly (text: its name).</summary>
    public const string NodeGone = "gone";

    /// <summary>A node missed its heartbeats and was removed (text: its name).</summary>
    public const string NodeLost = "lost";
}

/// <summary>A room's modes as the tables and MODE events carry them.</summary>
internal sealed record RoomModes
{
    [JsonPropertyName("i")]
    public bool InviteOnly { get; init; }

    [JsonPropertyName("m")]
    public bool Moderated { get; init; }

    [JsonPropertyName("n")]
    public bool NoExternalMessages { get; init; } = true;

    [JsonPropertyName("s")]
    public bool Secret { get; init; }

    [JsonPropertyName("t")]
    public bool TopicLocked { get; init; } = true;

    [JsonPropertyName("k")]
    public string? Key { get; init; }

    [JsonPropertyName("l")]
    public int? Limit { get; init; }

    [JsonPropertyName("b")]
    public List<BanEntry>? Bans { get; init; }

    /// <summary>Under the gate: the room's modes now.</summary>
    public static RoomModes Of(Channel channel) => new()
    {
        InviteOnly = channel.InviteOnly,
        Moderated = channel.Moderated,
        NoExternalMessages = channel.NoExternalMessages,
        Secret = channel.Secret,
        TopicLocked = channel.TopicLocked,
        Key = channel.Key,
        Limit = channel.Limit,
        Bans = channel.Bans.Count == 0 ? null : [.. channel.Bans],
    };

    /// <summary>Under the gate: makes the room's modes these.</summary>
    public void ApplyTo(Channel channel)
    {
        channel.InviteOnly = InviteOnly;
        channel.Moderated = Moderated;
        channel.NoExternalMessages = NoExternalMessages;
        channel.Secret = Secret;
        channel.TopicLocked = TopicLocked;
        channel.Key = Key;
        channel.Limit = Limit;
        channel.ReplaceBans(Bans ?? []);
    }

    public string ToJson() => JsonSerializer.Serialize(this, ClusterJson.Default.RoomModes);

    public static RoomModes? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, ClusterJson.Default.RoomModes);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClusterEvent))]
[JsonSerializable(typeof(RoomModes))]
internal sealed partial class ClusterJson : JsonSerializerContext
{
}
