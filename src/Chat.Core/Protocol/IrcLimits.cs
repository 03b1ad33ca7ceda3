namespace Chat.Core.Protocol;

/// <summary>Hard size limits of the wire format (Modern IRC, IRCv3 message-tags).</summary>
public static class IrcLimits
{
    /// <summary>Bytes of a message without its tags, CRLF included (RFC 1459: 512).</summary>
    public const int MaxBodyWithCrlf = 512;

    /// <summary>Bytes of a message without its tags and without CRLF.</summary>
    public const int MaxBody = MaxBodyWithCrlf - 2;

    /// <summary>Bytes of the tag section, its leading '@' and trailing space included.</summary>
    public const int MaxTags = 8191;

    /// <summary>The longest line a reader must buffer before it can judge it.</summary>
    public const int MaxLine = MaxTags + MaxBodyWithCrlf;

    /// <summary>At most this many parameters (RFC 1459).</summary>
    public const int MaxParameters = 15;
}
