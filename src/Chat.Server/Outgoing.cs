using System.Text;
using Chat.Core.Protocol;

namespace Chat.Server;

/// <summary>
/// A line on its way to one or many recipients. It is serialised at most once in
/// each form (IRC, plain text) and the same bytes are queued for every recipient.
/// </summary>
public sealed class Outgoing
{
    private readonly string? _plainText;
    private byte[]? _irc;
    private byte[]? _plain;

    public Outgoing(IrcMessage message, string? plainText)
    {
        Message = message;
        _plainText = plainText;
    }

    public IrcMessage Message { get; }

    /// <summary>The IRC wire form with CR LF.</summary>
    public byte[] IrcBytes => _irc ??= IrcWriter.ToBytes(Message);

    /// <summary>What a plain-mode user sees, with CR LF; null when they see nothing.</summary>
    public byte[]? PlainBytes => _plainText is null ? null : _plain ??= PlainLine(_plainText);

    public static byte[] PlainLine(string text) => Encoding.UTF8.GetBytes(text + "\r\n");
}
