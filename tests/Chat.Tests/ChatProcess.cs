using System.Diagnostics;
using System.Text;

namespace Chat.Tests;

/// <summary>
/// A child process with redirected stdin, stdout and stderr whose output lines are
/// collected as they come. Every wait is bounded and fails with the whole transcript;
/// <see cref="Dispose"/> always kills the process tree.
/// </summary>
public sealed class ChatProcess : IDisposable
{
    /// <summary>The longest any single wait may take.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly Process _process;
    private readonly LineLog _stdout = new();
    private readonly LineLog _stderr = new();

    private ChatProcess(Process process, string description)
    {
        _process = process;
        Description = description;
    }

    /// <summary>The command line, for failure messages.</summary>
    public string Description { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>chat.dll in the test output folder, beside its deps.json and runtimeconfig.json.</summary>
    public static string ChatDll => Path.Combine(AppContext.BaseDirectory, "chat.dll");

    /// <summary>Starts `dotnet chat.dll args`.</summary>
    public static ChatProcess StartChat(params string[] args) => Start("dotnet", [ChatDll, .. args]);

    /// <summary>Starts any program with English texts, no telemetry and no dotnet banners.</summary>
    public static ChatProcess Start(string fileName, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = Utf8,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        // The system's language decides the default texts: make it English everywhere.
        info.Environment["LANG"] = "en_US.UTF-8";
        info.Environment.Remove("LC_ALL");
        info.Environment.Remove("LC_MESSAGES");

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var chat = new ChatProcess(process, $"{fileName} {string.Join(' ', args)}");
        process.OutputDataReceived += (_, e) => OnLine(chat._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(chat._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return chat;
    }

    /// <summary>The stdout lines so far.</summary>
    public IReadOnlyList<string> Output => _stdout.Lines;

    /// <summary>The stderr lines so far.</summary>
    public IReadOnlyList<string> Errors => _stderr.Lines;

    /// <summary>Everything printed so far, for assertions and failure messages.</summary>
    public string Transcript =>
        $"[{Description}]\n--- stdout ---\n{string.Join('\n', Output)}\n--- stderr ---\n{string.Join('\n', Errors)}";

    /// <summary>Waits for a stdout line matching <paramref name="match"/> (including lines already printed).</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null) =>
        _stdout.WaitForAsync(match, timeout ?? DefaultTimeout, () => Transcript);

    /// <summary>Waits for a stdout line containing <paramref name="text"/>.</summary>
    public Task<string> WaitForLineAsync(string text, TimeSpan? timeout = null) =>
        WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>Waits for a stderr line matching <paramref name="match"/>.</summary>
    public Task<string> WaitForErrorAsync(Func<string, bool> match, TimeSpan? timeout = null) =>
        _stderr.WaitForAsync(match, timeout ?? DefaultTimeout, () => Transcript);

    /// <summary>Sends one line to the process's stdin.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n").ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Closes stdin: the process reads end of input.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits for the process to exit and all its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
            await Task.WhenAll(_stdout.Closed, _stderr.Closed).WaitAsync(cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The process did not exit within {(timeout ?? DefaultTimeout).TotalSeconds} s.\n{Transcript}");
        }

        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as `kill` or a service manager would (Process.Kill sends SIGKILL).</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (!kill.WaitForExit(5000) || kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {Id} failed.");
        }
    }

    /// <summary>Kills the process tree at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.WaitForExit(5000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static void OnLine(LineLog log, string? line)
    {
        if (line is null)
        {
            log.Close();
        }
        else
        {
            log.Add(line);
        }
    }
}
