using Chat.Core.Protocol;
using Chat.Server.Resources;

namespace Chat.Server;

/// <summary>
/// Builds the lines that announce what happens in a room, each in its IRC form
/// and in the readable form plain users get (">>> Ana joined the chat").
/// </summary>
public sealed class ChatEvents
{
    private readonly ServerText _text;

    public ChatEvents(ServerText text)
    {
        _text = text;
    }

    public Outgoing Join(Client who, Channel channel) =>
        new(new IrcMessage(null, who.Prefix, IrcCommands.Join, [channel.Name]), _text.Format("PlainJoined", who.Nick!));

    public Outgoing Part(Client who, Channel channel, string? reason) =>
        new(new IrcMessage(null, who.Prefix, IrcCommands.Part, string.IsNullOrEmpty(reason) ? [channel.Name] : [channel.Name, reason]),
            _text.Format("PlainLeft", who.Nick!));

    public Outgoing Quit(Client who, string reason) =>
        new(new IrcMessage(null, who.Prefix, IrcCommands.Quit, [reason]), _text.Format("PlainLeft", who.Nick!));

    public Outgoing NickChange(Client who, string oldPrefix, string oldNick, string newNick) =>
        new(new IrcMessage(null, oldPrefix, IrcCommands.Nick, [newNick]), _text.Format("PlainNickChange", oldNick, newNick));

    public Outgoing Topic(Client who, Channel channel, string topic) =>
        new(new IrcMessage(null, who.Prefix, IrcCommands.Topic, [channel.Name, topic]), null);

    public Outgoing Mode(Client who, Channel channel, IReadOnlyList<string> modeParams)
    {
        var ps = new List<string>(modeParams.Count + 1) { channel.Name };
        ps.AddRange(modeParams);
        return new(new IrcMessage(null, who.Prefix, IrcCommands.Mode, ps), null);
    }

    /// <summary>A KICK; plain users see "&lt;&lt;&lt; Beto was kicked by Ana (reason)".</summary>
    public Outgoing Kick(Client kicker, Channel channel, Client target, string reason) =>
        new(new IrcMessage(null, kicker.Prefix, IrcCommands.Kick, [channel.Name, target.Nick!, reason]),
            _text.Format("PlainKicked", target.Nick!, kicker.Nick!, reason));

    /// <summary>An INVITE for its target only; a plain user reads "*** Ana invites you to #room".</summary>
    public Outgoing Invite(Client inviter, Client target, Channel channel) =>
        new(new IrcMessage(null, inviter.Prefix, IrcCommands.Invite, [target.Nick!, channel.Name]),
            _text.Format("PlainInvited", inviter.Nick!, channel.Name));

    /// <summary>A PRIVMSG or NOTICE to a room; plain users see "Ana: hola", "* Ana waves" or "-Ana- note".</summary>
    public Outgoing RoomMessage(Client from, string command, string target, string text) =>
        new(new IrcMessage(null, from.Prefix, command, [target, text]), PlainRendering(from.Nick!, command, text, privately: false));

    /// <summary>A PRIVMSG or NOTICE to one person.</summary>
    public Outgoing PrivateMessage(Client from, string command, string target, string text) =>
        new(new IrcMessage(null, from.Prefix, command, [target, text]), PlainRendering(from.Nick!, command, text, privately: true));

    private string? PlainRendering(string nick, string command, string text, bool privately)
    {
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
