namespace Chat.Client;

/// <summary>What kind of line it is, for how a terminal shows it.</summary>
public enum LineKind
{
    /// <summary>Joins, leaves, topics, server notices, answers to commands.</summary>
    Info,

    /// <summary>Someone said something in a room.</summary>
    Message,

    /// <summary>/me in a room.</summary>
    Action,

    /// <summary>A private message or action, to us or from us.</summary>
    Private,

    /// <summary>A NOTICE from a user.</summary>
    Notice,

    /// <summary>What we said in a room, shown back to us.</summary>
    Own,
}

/// <summary>
/// One line to show: its text exactly as redirected output prints it, plus what
/// a terminal needs to dress it: who it is from (coloured), the message itself
/// (checked for our nick; wrapped lines line up under it), its room when that
/// is not the current one, and when it was said (server-time, for history).
/// </summary>
public sealed record ChatLine(string Text, LineKind Kind = LineKind.Info)
{
    /// <summary>Who said it; shown in their colour where <see cref="Text"/> names them.</summary>
    public string? Nick { get; init; }

    /// <summary>The message itself, at the end of <see cref="Text"/>.</summary>
    public string? Body { get; init; }

    /// <summary>The room, when <see cref="Text"/> starts with "[#room] ".</summary>
    public string? Room { get; init; }

    /// <summary>When it was said, if the server said (history); otherwise it is now.</summary>
    public DateTimeOffset? Time { get; init; }

    public override string ToString() => Text;
}
