using Chat.Client.Resources;

namespace Chat.Client;

/// <summary>
/// What a person sees for each <see cref="ChatEvent"/>, in their language. Our own
/// joins, parts and kicks also move <see cref="ChatRooms"/> along, so the lines
/// that say which room is current come out in the same order as the events.
/// </summary>
public sealed class EventText
{
    private readonly ClientText _text;
    private readonly ChatRooms _rooms;

    public EventText(ClientText text, ChatRooms rooms)
    {
        _text = text;
        _rooms = rooms;
    }

    /// <summary>The lines to show for <paramref name="e"/>, often one, none for events not shown.</summary>
    public IReadOnlyList<string> Lines(ChatEvent e) => [.. Show(e).Select(l => l.Text)];

    /// <summary>The lines to show for <paramref name="e"/> with what a terminal needs to colour them.</summary>
    public IReadOnlyList<ChatLine> Show(ChatEvent e)
    {
        switch (e)
        {
            case UserJoined { IsSelf: true } j:
                return _rooms.Confirmed(j.Channel) ? [Info(_text.Format("NowTalkingIn", j.Channel))] : [];
            case UserLeft { IsSelf: true, Channel: { } room }:
                return [Info(_text.Format("YouLeftRoom", room)), .. AfterLeaving(room).Select(Info)];
            case UserKicked { IsSelf: true } k:
                return [Info(Reason(k.Reason, "YouWereKicked", k.Channel, k.By), k.By), .. AfterLeaving(k.Channel).Select(Info)];
            case NamesReceived n when _rooms.TakeNamesWanted(n.Channel):
                return [Info(n.Names.Count == 0 ? _text.Format("NobodyIn", n.Channel) : _text.Format("Users", n.Channel, string.Join(", ", Sorted(n.Names))))];
            case MessageReceived m:
                return [Message(m)];
            default:
                return Line(e) is { } line ? [Info(line, NickOf(e))] : [];
        }
    }

    /// <summary>The line for a login, a failed login or a new account, or null for other events.</summary>
    public static string? AccountLine(ClientText text, ChatEvent e) => e switch
    {
        LoggedIn l => text.Format("LoggedIn", l.Account),
        LoginFailed f => text.Format("LoginFailed", f.Reason),
        AccountRegistered r => text.Format("AccountRegistered", r.Account),
        _ => null,
    };

    /// <summary>What we said in <paramref name="room"/>, as others see it.</summary>
    public ChatLine Own(string nick, string room, string text) =>
        new($"{Room(room)}{nick}: {text}", LineKind.Own) { Nick = nick, Body = text, Room = RoomOrNull(room) };

    private static ChatLine Info(string text) => new(text);

    private static ChatLine Info(string text, string? nick) => new(text) { Nick = nick };

    private static string? NickOf(ChatEvent e) => e switch
    {
        UserJoined j => j.Nick,
        UserLeft l => l.Nick,
        UserKicked k => k.Nick,
        NickChanged n => n.OldNick,
        UserAway a => a.Nick,
        TopicChanged t => t.SetBy,
        _ => null,
    };

    private ChatLine Message(MessageReceived m)
    {
        var (text, kind) = m switch
        {
            { IsPrivate: true, IsNotice: false, IsAction: true } => (_text.Format("PrivateAction", m.From, m.Text), LineKind.Private),
            { IsPrivate: true, IsNotice: false } => (_text.Format("Private", m.From, m.Text), LineKind.Private),
            { IsNotice: true } => (Room(m.IsPrivate ? null : m.Target) + _text.Format("Notice", m.From, m.Text), LineKind.Notice),
            { IsAction: true } => (Room(m.Target) + _text.Format("Action", m.From, m.Text), LineKind.Action),
            _ => ($"{Room(m.Target)}{m.From}: {m.Text}", LineKind.Message),
        };
        return new ChatLine(text, kind)
        {
            Nick = m.From,
            Body = m.Text,
            Room = m.IsPrivate ? null : RoomOrNull(m.Target),
            Time = m.IsHistory ? m.Time : null,
        };
    }

    /// <summary>The one line for events that do not change our rooms, or null.</summary>
    private string? Line(ChatEvent e) => AccountLine(_text, e) ?? e switch
    {
        UserJoined { IsSelf: false } j => Room(j.Channel) + _text.Format("Joined", j.Nick),
        UserLeft { IsSelf: false } l => Room(l.Channel) + _text.Format("Left", l.Nick),
        UserKicked k => Room(k.Channel) + Reason(k.Reason, "Kicked", k.Nick, k.By),
        TopicChanged { SetBy: null, Topic: null or "" } t => _text.Format("NoTopic", t.Channel),
        TopicChanged { SetBy: null } t => _text.Format("Topic", t.Channel, t.Topic!),
        TopicChanged { Topic: null or "" } t => _text.Format("TopicCleared", t.SetBy!, t.Channel),
        TopicChanged t => _text.Format("TopicSet", t.SetBy!, t.Channel, t.Topic!),
        NickChanged { IsSelf: true } n => _text.Format("YouAreNow", n.NewNick),
        NickChanged n => _text.Format("NickChange", n.OldNick, n.NewNick),
        NickRejected r => _text.Format(r.InUse ? "AliasInUse" : "AliasInvalid", r.Nick),
        AwayChanged a => _text[a.IsAway ? "NowAway" : "Back"],
        UserAway a => _text.Format("UserIsAway", a.Nick, a.Message),
        ServerNotice n => _text.Format("ServerNotice", n.Text),
        _ => null,
    };

    /// <summary>"[#room] " for a room that is not the current one.</summary>
    private string Room(string? channel) => RoomOrNull(channel) is { } room ? $"[{room}] " : "";

    private string? RoomOrNull(string? channel) => channel is null || _rooms.IsCurrent(channel) ? null : channel;

    private string Reason(string? reason, string name, params object[] args) =>
        reason is null ? _text.Format(name, args) : _text.Format(name + "WithReason", [.. args, reason]);

    private IEnumerable<string> AfterLeaving(string room)
    {
        if (!_rooms.Left(room))
        {
            return [];
        }

        return [_rooms.Current is { } next ? _text.Format("NowTalkingIn", next) : _text["NoRoom"]];
    }

    /// <summary>Operators and voiced users first (by rank, as ~&amp;@%+), then by name.</summary>
    private static IEnumerable<string> Sorted(IEnumerable<string> names)
    {
        const string ranks = "~&@%+";
        return names
            .OrderBy(n => n.Length > 0 && ranks.Contains(n[0]) ? ranks.IndexOf(n[0]) : ranks.Length)
            .ThenBy(n => n.TrimStart(ranks.ToCharArray()), StringComparer.OrdinalIgnoreCase);
    }
}
