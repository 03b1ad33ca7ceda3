using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Chat.Server.Tests;

/// <summary>`chat serve` as a child process (the chat.dll built beside the tests), on a free port.</summary>
public sealed partial class ChatProcess : IDisposable
{
    private readonly Process _process;

    private ChatProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static Task<ChatProcess> StartAsync(string dataDir, params string[] extra) =>
        StartAsync(dataDir, new Dictionary<string, string>(), extra);

    /// <param name="environment">Variables set for the server (CHAT_... configuration keys).</param>
    public static async Task<ChatProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "chat.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var arg in new[] { dll, "serve", "--port", "0", "--data-dir", dataDir, "--log-file", Path.Combine(dataDir, "chat.log"), "--lang", "en" }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && Listening().Match(line) is { Success: true } m)
            {
                listening.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                errors.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var done = await Task.WhenAny(listening.Task, Task.Delay(TimeSpan.FromSeconds(30)));
        if (done != listening.Task)
        {
            process.Kill(true);
            throw new TimeoutException("chat serve did not start listening: " + string.Join('\n', errors));
        }

        return new ChatProcess(process, await listening.Task);
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed by us.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
