namespace Chat.Client.Terminal;

/// <summary>Where `chat join` shows things and reads what the user types.</summary>
public interface IChatView : IDisposable
{
    /// <summary>True for a person at a terminal (prompts, echo, escape codes), false for scripts.</summary>
    bool IsInteractive { get; }

    /// <summary>Reads one line; <paramref name="prompt"/> is shown only at a terminal. Null at end of input.</summary>
    Task<string?> ReadLineAsync(string prompt, CancellationToken cancel);

    /// <summary>Shows one line of chat, above whatever the user is typing.</summary>
    void ShowLine(string text);

    /// <summary>Shows an error on standard error.</summary>
    void ShowError(string text);

    /// <summary>Shows a chat line; views without colours show its text.</summary>
    void Show(ChatLine line) => ShowLine(line.Time is { } time
        ? $"[{time.ToLocalTime().ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)}] {line.Text}"
        : line.Text);

    /// <summary>Shows what we said in a room; only a terminal shows it (redirected output never echoes our own lines).</summary>
    void ShowOwn(ChatLine line)
    {
    }

    /// <summary>The status: who we are, rooms, unread counts, connection; only a terminal shows it.</summary>
    void SetStatus(ChatStatus status)
    {
    }

    /// <summary>Where Tab finds nicks to complete (the current room's members).</summary>
    void SetCompletion(Func<IReadOnlyList<string>> nicks, IReadOnlyList<string> commands)
    {
    }

    /// <summary>Whether a mention or a private message rings the terminal's bell.</summary>
    bool Bell
    {
        get => false;
        set { }
    }
}
