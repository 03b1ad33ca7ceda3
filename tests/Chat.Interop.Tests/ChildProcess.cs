using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Chat.Interop.Tests;

/// <summary>
/// A program the test started: its output lines (stdout and stderr together) can
/// be waited for with a bound, and Dispose kills it and everything it started.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _all = new();

    private ChildProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Everything it printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_all)
            {
                return _all.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PYTHONIOENCODING"] = "utf-8";
        var child = new ChildProcess(new Process { StartInfo = info, EnableRaisingEvents = true });
        child._process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for a printed line that matches; fails after <paramref name="seconds"/> or when the program ends first.</summary>
    public async Task<string> ExpectLineAsync(Func<string, bool> match, int seconds = 15)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            while (await _lines.Reader.WaitToReadAsync(limit.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (match(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_process.StartInfo.FileName} did not print the line within {seconds} s. Output:\n{Output}");
        }

        throw new InvalidOperationException($"{_process.StartInfo.FileName} ended (exit code {ExitCodeOrNull()}) without printing the line. Output:\n{Output}");
    }

    /// <summary>Waits for the program to end by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(int seconds = 15)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_process.StartInfo.FileName} did not end within {seconds} s. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // It ended on its own meanwhile.
        }

        _process.Dispose();
    }

    private int _streamsEnded;

    private int? ExitCodeOrNull() => _process.HasExited ? _process.ExitCode : null;

    private void OnLine(string? line)
    {
        if (line is null)
        {
            // One of the two streams ended; when both have, the program is gone.
            // (Asking the Process here could throw once it has been disposed.)
            if (Interlocked.Increment(ref _streamsEnded) == 2)
            {
                _lines.Writer.TryComplete();
            }

            return;
        }

        lock (_all)
        {
            _all.AppendLine(line);
        }

        _lines.Writer.TryWrite(line);
    }
}
