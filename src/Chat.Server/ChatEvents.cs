using System.Security.Cryptography;
using Chat.Core.Protocol;
using Chat.Server.Resources;

namespace Chat.Server;

/// <summary>
/// Builds the lines that announce what happens in a room, each in its IRC forms
/// (with the tags capabilities ask for) and in the readable form plain users
/// get (">>> Ana joined the chat").
/// </summary>
public sealed class ChatEvents
{
    private readonly ServerText _text;
    private readonly Func<Outgoing, string?> _plainInRoom;
    private readonly Func<Outgoing, string?> _plainPrivately;
    private readonly string _idPrefix = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
    private long _nextId;

    public ChatEvents(ServerText text)
    {
        _text = text;
        _plainInRoom = line => PlainRendering(line, privately: false);
        _plainPrivately = line => PlainRendering(line, privately: true);
    }

    /// <summary>
    /// A msgid unique across restarts and nodes: a random 64-bit per-process prefix
    /// (16 hex digits) and a counter. History ignores a second message with a msgid
    /// it already holds, so two processes must never share a prefix: with 64 bits,
    /// a million restarts share one with odds below 1 in 30 million.
    /// </summary>
    public string NewMsgId() => $"{_idPrefix}{Interlocked.Increment(ref _nextId):x}";

    public Outgoing Join(Client who, Channel channel) =>
        new(new IrcMessage(null, who.Prefix, IrcCommands.Join, [channel.Name]), _text.Format("PlainJoined", who.Nick!))
        {
            Account = who.Account,
            Extended = new IrcMessage(null, who.Prefix, IrcCommands.Join, [channel.Name, who.Account ?? "*", who.RealName]),
        };

    public Outgoing Part(Client who, Channel channel, string? reason) =>
        new(new IrcMessage(null, who.Prefix, IrcCommands.Part, string.IsNullOrEmpty(reason) ? [channel.Name] : [channel.Name, reason]),
            _text.Format("PlainLeft", who.Nick!))
        { Account = who.Account };

    public Outgoing Quit(Client who, string reason) =>
        new(new IrcMessage(null, who.Prefix, IrcCommands.Quit, [reason]), _text.Format("PlainLeft", who.Nick!)) { Account = who.Account };

    public Outgoing NickChange(Client who, string oldPrefix, string oldNick, string newNick) =>
        new(new IrcMessage(null, oldPrefix, IrcCommands.Nick, [newNick]), _text.Format("PlainNickChange", oldNick, newNick)) { Account = who.Account };

    public Outgoing Topic(Client who, Channel channel, string topic) =>
        new(new IrcMessage(null, who.Prefix, IrcCommands.Topic, [channel.Name, topic]), null) { Account = who.Account };

    public Outgoing Mode(Client who, Channel channel, IReadOnlyList<string> modeParams)
    {
        var ps = new List<string>(modeParams.Count + 1) { channel.Name };
        ps.AddRange(modeParams);
        return new(new IrcMessage(null, who.Prefix, IrcCommands.Mode, ps), null) { Account = who.Account };
    }

    /// <summary>A line only clients with <paramref name="cap"/> receive (AWAY, SETNAME, ACCOUNT, CHGHOST...).</summary>
    public Outgoing CapOnly(Client who, Cap cap, string command, params string[] parameters) =>
        new(new IrcMessage(null, who.Prefix, command, parameters), null) { Account = who.Account, Requires = cap };

    /// <summary>A KICK; plain users see "&lt;&lt;&lt; Beto was kicked by Ana (reason)".</summary>
    public Outgoing Kick(Client kicker, Channel channel, Client target, string reason) =>
        new(new IrcMessage(null, kicker.Prefix, IrcCommands.Kick, [channel.Name, target.Nick!, reason]),
            _text.Format("PlainKicked", target.Nick!, kicker.Nick!, reason))
        { Account = kicker.Account };

    /// <summary>An INVITE for its target only; a plain user reads "*** Ana invites you to #room".</summary>
    public Outgoing Invite(Client inviter, Client target, Channel channel) =>
        new(new IrcMessage(null, inviter.Prefix, IrcCommands.Invite, [target.Nick!, channel.Name]),
            _text.Format("PlainInvited", inviter.Nick!, channel.Name))
        { Account = inviter.Account };

    /// <summary>
    /// A PRIVMSG, NOTICE or TAGMSG from a user, to a room or a person. Plain users
    /// see "Ana: hola", "* Ana waves", "-Ana- note" or "(private) Ana: hola".
    /// </summary>
    /// <param name="msgId">The msgid given by the node the message came from (cluster); null: a new one.</param>
    /// <param name="time">When it was sent, for a message from another node (cluster); null: now.</param>
    public Outgoing Message(Client from, string command, string target, string? text, IReadOnlyDictionary<string, string>? clientTags, bool privately,
        string? msgId = null, DateTimeOffset? time = null)
    {
        bool tagOnly = command == "TAGMSG";
        var message = new IrcMessage(null, from.Prefix, command, tagOnly ? [target] : [target, text!]);
        return new Outgoing(message, null)
        {
            RenderPlain = tagOnly ? null : privately ? _plainPrivately : _plainInRoom,
            MsgId = msgId ?? NewMsgId(),
            Time = time ?? DateTimeOffset.UtcNow,
            Account = from.Account,
            ClientTags = clientTags,
            Requires = tagOnly ? Cap.MessageTags : Cap.None,
        };
    }

    private string? PlainRendering(Outgoing line, bool privately)
    {
        var message = line.Message;
        string nick = message.SourceNick ?? "";
        string command = message.Command;
        string text = message.Parameters[1];
        if (text.StartsWith("\u0001ACTION ", StringComparison.Ordinal))
        {
            return _text.Format("PlainAction", nick, text[8..].TrimEnd('\u0001'));
        }

        if (text.StartsWith('\u0001'))
        {
            // Other CTCP requests (VERSION, PING...) mean nothing to a person.
            return null;
        }

        if (command == IrcCommands.Notice)
        {
            return _text.Format("PlainNotice", nick, text);
        }

        return privately ? _text.Format("PlainPrivate", nick, text) : $"{nick}: {text}";
    }
}
