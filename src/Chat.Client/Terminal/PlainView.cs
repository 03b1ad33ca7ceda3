namespace Chat.Client.Terminal;

/// <summary>
/// The view for redirected input or output: no prompts, no escape codes; each
/// input line is one line to send and each event is printed as one line.
/// </summary>
public sealed class PlainView : IChatView
{
    private readonly TextReader _input;
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly object _gate = new();

    public PlainView(TextReader input, TextWriter output, TextWriter error)
    {
        _input = input;
        _output = output;
        _error = error;
    }

    public bool IsInteractive => false;

    public async Task<string?> ReadLineAsync(string prompt, CancellationToken cancel)
    {
        try
        {
            return await _input.ReadLineAsync(cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void ShowLine(string text)
    {
        lock (_gate)
        {
            _output.WriteLine(text);
            _output.Flush();
        }
    }

    public void ShowError(string text)
    {
        lock (_gate)
        {
            _error.WriteLine(text);
            _error.Flush();
        }
    }

    public void Dispose()
    {
    }
}
