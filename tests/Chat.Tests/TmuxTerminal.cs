using System.Diagnostics;

namespace Chat.Tests;

/// <summary>
/// A program running in a real pseudo-terminal: a tmux server of its own (a
/// unique -L socket) with one 80x24 window. Keys go in with send-keys, the
/// screen comes out with capture-pane. Dispose kills that tmux server.
/// </summary>
public sealed class TmuxTerminal : IDisposable
{
    private readonly string _socket = "chat-test-" + Guid.NewGuid().ToString("N")[..12];

    private TmuxTerminal()
    {
    }

    public static bool IsAvailable => File.Exists("/usr/bin/tmux") || File.Exists("/usr/local/bin/tmux");

    /// <summary>Starts <paramref name="command"/> (a shell command line) in a detached 80x24 window.</summary>
    public static TmuxTerminal Start(string command, int width = 80, int height = 24)
    {
        var tmux = new TmuxTerminal();
        tmux.Run("-f", "/dev/null", "new-session", "-d", "-x", width.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-y", height.ToString(System.Globalization.CultureInfo.InvariantCulture), command);
        return tmux;
    }

    /// <summary>Types <paramref name="text"/> literally.</summary>
    public void Type(string text) => Run("send-keys", "-l", "-t", "0", text);

    /// <summary>Presses keys by tmux name: Enter, C-c, Left...</summary>
    public void Press(params string[] keys) => Run(["send-keys", "-t", "0", .. keys]);

    /// <summary>The visible screen, one string per row.</summary>
    public string[] Capture() => Run("capture-pane", "-p", "-t", "0").Split('\n');

    /// <summary>Waits until the screen satisfies <paramref name="match"/>; fails with the screen after <paramref name="timeout"/>.</summary>
    public async Task<string[]> WaitForScreenAsync(Func<string[], bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var screen = Capture();
            if (match(screen))
            {
                return screen;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The screen never matched. It shows:\n" + string.Join('\n', screen));
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        try
        {
            Run("kill-server");
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private string Run(params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-u");
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(_socket);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["LANG"] = "C.UTF-8";
        info.Environment.Remove("TMUX");
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(10_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', args)} failed: {error}");
        }

        return output;
    }
}
