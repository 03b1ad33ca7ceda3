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
}
