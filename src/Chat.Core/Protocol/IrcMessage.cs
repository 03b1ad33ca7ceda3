namespace Chat.Core.Protocol;

/// <summary>
/// One IRC message: optional IRCv3 tags, optional source (prefix), a command
/// (verb or three-digit numeric) and up to 15 parameters. Immutable.
/// </summary>
public sealed class IrcMessage
{
    private static readonly IReadOnlyDictionary<string, string> NoTags =
        new Dictionary<string, string>(0);

    public IrcMessage(string command, params string[] parameters)
        : this(null, null, command, parameters)
    {
    }

    public IrcMessage(IReadOnlyDictionary<string, string>? tags, string? source, string command, IReadOnlyList<string> parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        Tags = tags ?? NoTags;
        Source = string.IsNullOrEmpty(source) ? null : source;
        Command = command;
        Parameters = parameters;
    }

    /// <summary>Tag keys to unescaped values; a tag without a value maps to "".</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>The source ("nick!user@host" or a server name), or null.</summary>
    public string? Source { get; }

    /// <summary>The command as sent; commands compare case-insensitively.</summary>
    public string Command { get; }

    public IReadOnlyList<string> Parameters { get; }

    /// <summary>Parameter <paramref name="index"/>, or null when there are fewer.</summary>
    public string? Param(int index) => index < Parameters.Count ? Parameters[index] : null;

    /// <summary>The nick part of the source ("nick" of "nick!user@host").</summary>
    public string? SourceNick
    {
        get
        {
            if (Source is null)
            {
                return null;
            }

            int bang = Source.IndexOfAny(['!', '@']);
            return bang < 0 ? Source : Source[..bang];
        }
    }

    public bool Is(string command) => string.Equals(Command, command, StringComparison.OrdinalIgnoreCase);

    public IrcMessage WithSource(string? source) => new(Tags, source, Command, Parameters);

    public IrcMessage WithTags(IReadOnlyDictionary<string, string>? tags) => new(tags, Source, Command, Parameters);

    /// <summary>The wire form without CRLF, for logs and tests.</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(IrcWriter.ToBytes(this, withCrlf: false));
}
