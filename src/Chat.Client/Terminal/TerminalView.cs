using System.Threading.Channels;

namespace Chat.Client.Terminal;

/// <summary>
/// The view for a person at a terminal: a prompt line with a line editor, and
/// incoming lines printed above it, after which the prompt and the half-typed
/// text are drawn again intact.
/// </summary>
public sealed class TerminalView : IChatView
{
    private const string ClearLine = "\r\u001b[2K";

    private readonly TextWriter _out = Console.Out;
    private readonly object _gate = new();
    private readonly LineEditor _editor = new();
    private readonly Channel<string?> _lines = Channel.CreateUnbounded<string?>();
    private readonly Thread _keys;
    private string _prompt = "";
    private bool _reading;

    public TerminalView()
    {
        Console.TreatControlCAsInput = true;
        _keys = new Thread(ReadKeys) { IsBackground = true, Name = "chat keys" };
        _keys.Start();
    }

    public bool IsInteractive => true;

    public async Task<string?> ReadLineAsync(string prompt, CancellationToken cancel)
    {
        lock (_gate)
        {
            _prompt = prompt;
            _reading = true;
            Redraw();
        }

        try
        {
            return await _lines.Reader.ReadAsync(cancel).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
        finally
        {
            lock (_gate)
            {
                _reading = false;
            }
        }
    }

    public void ShowLine(string text)
    {
        lock (_gate)
        {
            _out.Write(ClearLine);
            _out.Write(text);
            _out.Write('\n');
            if (_reading)
            {
                Redraw();
            }

            _out.Flush();
        }
    }

    public void ShowError(string text)
    {
        lock (_gate)
        {
            _out.Write(ClearLine);
            _out.Flush();
            Console.Error.WriteLine(text);
            if (_reading)
            {
                Redraw();
                _out.Flush();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _reading = false;
            _out.Write(ClearLine);
            _out.Flush();
        }

        Console.TreatControlCAsInput = false;
    }

    /// <summary>Draws the prompt and the text, and puts the cursor where the editor has it.</summary>
    private void Redraw()
    {
        string text = _editor.Text;
        _out.Write(ClearLine);
        _out.Write(_prompt);
        _out.Write(text);
        int back = text.Length - _editor.Cursor;
        if (back > 0)
        {
            _out.Write($"\u001b[{back}D");
        }

        _out.Flush();
    }

    private void ReadKeys()
    {
        while (true)
        {
            ConsoleKeyInfo key;
            try
            {
                key = Console.ReadKey(intercept: true);
            }
            catch (InvalidOperationException)
            {
                _lines.Writer.TryWrite(null);
                return;
            }

            bool control = key.Modifiers.HasFlag(ConsoleModifiers.Control);
            if (control && (key.Key == ConsoleKey.C || (key.Key == ConsoleKey.D && _editor.Text.Length == 0)))
            {
                // Ctrl+C, or Ctrl+D on an empty line, leaves like end of input.
                _lines.Writer.TryWrite(null);
                continue;
            }

            lock (_gate)
            {
                string? line = _editor.Apply(key);
                if (line is not null)
                {
                    // The finished line stays on screen after its prompt, like "You: hola".
                    _out.Write(ClearLine);
                    _out.Write(_prompt);
                    _out.Write(line);
                    _out.Write('\n');
                    _out.Flush();
                    _lines.Writer.TryWrite(line);
                }
                else if (_reading)
                {
                    Redraw();
                }
            }
        }
    }
}
