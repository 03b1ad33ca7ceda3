using System.Globalization;
using System.Text;
using Chat.Core.Protocol;

namespace Chat.Server;

/// <summary>
/// A line on its way to one or many recipients. Each recipient gets the form its
/// capabilities ask for (server-time, msgid and client tags, account-tag,
/// extended-join, or readable text for plain users); each form is serialised
/// at most once and the same bytes are queued for every recipient that reads it.
/// </summary>
public sealed class Outgoing
{
    /// <summary>The capabilities that change the bytes of a line.</summary>
    private const Cap Shaping = Cap.ServerTime | Cap.MessageTags | Cap.AccountTag | Cap.ExtendedJoin;

    // The plain form of a line no plain user sees: cached like the others.
    private static readonly byte[] NoPlain = [];

    private readonly string? _plainText;
    private readonly byte[]?[] _forms = new byte[]?[16];
    private byte[]? _plain;

    /// <param name="message">The line without tags, as a client with no capabilities reads it.</param>
    /// <param name="plainText">What a plain user sees; null when they see nothing.</param>
    public Outgoing(IrcMessage message, string? plainText)
    {
        Message = message;
        _plainText = plainText;
        Time = DateTimeOffset.UtcNow;
    }

    public IrcMessage Message { get; }

    /// <summary>When it happened: the server-time tag.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>The msgid tag, for messages (PRIVMSG, NOTICE, TAGMSG).</summary>
    public string? MsgId { get; init; }

    /// <summary>The sender's account, for account-tag.</summary>
    public string? Account { get; init; }

    /// <summary>Client-only tags ("+typing") relayed to message-tags clients.</summary>
    public IReadOnlyDictionary<string, string>? ClientTags { get; init; }

    /// <summary>The form for extended-join clients (JOIN with account and real name).</summary>
    public IrcMessage? Extended { get; init; }

    /// <summary>
    /// Without a plain text: makes what a plain user sees (null: nothing) from the
    /// line, the first time a plain user receives it. Most messages never reach
    /// one, and the rendering (a localized format) would cost every message.
    /// </summary>
    public Func<Outgoing, string?>? RenderPlain { private get; init; }

    /// <summary>Only clients with this capability receive the line (TAGMSG needs message-tags).</summary>
    public Cap Requires { get; init; }

    /// <summary>What a plain-mode user sees, with CR LF; null when they see nothing.</summary>
    public byte[]? PlainBytes
    {
        get
        {
            // Two threads may both render it: the same bytes, and either copy will do.
            var plain = _plain;
            if (plain is null)
            {
                string? text = _plainText ?? RenderPlain?.Invoke(this);
                _plain = plain = text is null ? NoPlain : PlainLine(text);
            }

            return ReferenceEquals(plain, NoPlain) ? null : plain;
        }
    }

    public static byte[] PlainLine(string text) => Encoding.UTF8.GetBytes(text + "\r\n");

    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The bytes for a client with these capabilities, cached per form.</summary>
    public byte[] BytesFor(Cap caps)
    {
        int form = FormIndex(caps);
        return _forms[form] ??= IrcWriter.ToBytes(MessageFor(caps));
    }

    /// <summary>The message, tags included, that a client with these capabilities reads.</summary>
    public IrcMessage MessageFor(Cap caps)
    {
        var message = Extended is not null && (caps & Cap.ExtendedJoin) != 0 ? Extended : Message;
        Dictionary<string, string>? tags = null;
        if ((caps & Cap.MessageTags) != 0 && ClientTags is not null)
        {
            tags = new Dictionary<string, string>(ClientTags, StringComparer.Ordinal);
        }

        if ((caps & Cap.ServerTime) != 0)
        {
            (tags ??= new(StringComparer.Ordinal))["time"] = FormatTime(Time);
        }

        if ((caps & Cap.MessageTags) != 0 && MsgId is not null)
        {
            (tags ??= new(StringComparer.Ordinal))["msgid"] = MsgId;
        }

        if ((caps & Cap.AccountTag) != 0 && Account is not null)
        {
            (tags ??= new(StringComparer.Ordinal))["account"] = Account;
        }

        return tags is null ? message : message.WithTags(tags);
    }

    /// <summary>Whether a client with these capabilities receives the line at all.</summary>
    public bool IsFor(Cap caps) => (caps & Requires) == Requires;

    private static int FormIndex(Cap caps)
    {
        caps &= Shaping;
        return ((caps & Cap.ServerTime) != 0 ? 1 : 0)
            | ((caps & Cap.MessageTags) != 0 ? 2 : 0)
            | ((caps & Cap.AccountTag) != 0 ? 4 : 0)
            | ((caps & Cap.ExtendedJoin) != 0 ? 8 : 0);
    }
}
