using System.Text;
using System.Text.RegularExpressions;
using Chat.Tests.Shared;

namespace Chat.Tests;

/// <summary>
/// A running `chat serve --port 0` with its log file in a temporary folder; the port
/// is read from the server's listening line. Dispose kills it and removes the folder.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private readonly TempFolder _folder;

    private ServerProcess(ChatProcess process, TempFolder folder, int port, string listeningLine)
    {
        Process = process;
        _folder = folder;
        Port = port;
        ListeningLine = listeningLine;
    }

    public ChatProcess Process { get; }

    public int Port { get; }

    /// <summary>The console line that announced the port.</summary>
    public string ListeningLine { get; }

    public string LogFile => Path.Combine(_folder.Path, "logs", "chat.log");

    /// <summary>Starts a server on a free loopback port and waits until it listens.</summary>
    public static async Task<ServerProcess> StartAsync(params string[] extraArgs)
    {
        var folder = new TempFolder();
        // Each server has its own data folder (unless the test names one): no history from another test or an earlier run.
        string[] dataDir = extraArgs.Contains("--data-dir") ? [] : ["--data-dir", Path.Combine(folder.Path, "data")];
        var process = ChatProcess.StartChat(["serve", "--port", "0", "--log-file", Path.Combine(folder.Path, "logs", "chat.log"), .. dataDir, .. extraArgs]);
        try
        {
            string line = await process.WaitForLineAsync(l => ListeningPattern().IsMatch(l));
            int port = int.Parse(ListeningPattern().Match(line).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return new ServerProcess(process, folder, port, line);
        }
        catch
        {
            process.Dispose();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Starts `chat join --port` on this server with the given extra arguments.</summary>
    public ChatProcess Join(params string[] args) =>
        ChatProcess.StartChat(["join", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args]);

    /// <summary>Starts `chat join --alias alias` and waits for its welcome line.</summary>
    public async Task<ChatProcess> JoinAsync(string alias, string welcome, params string[] args)
    {
        var join = Join(["--alias", alias, .. args]);
        try
        {
            await join.WaitForLineAsync(welcome);
            return join;
        }
        catch
        {
            join.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the log file holds a line containing <paramref name="text"/> (it is flushed every second).</summary>
    public async Task<string> WaitForLogFileAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? ChatProcess.DefaultTimeout);
        while (true)
        {
            string content = ReadLogFile();
            if (content.Contains(text, StringComparison.Ordinal))
            {
                return content;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The log file {LogFile} never contained '{text}'. It holds:\n{content}\n{Process.Transcript}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The log file as it is now (empty when not yet created); the server may still be writing it.</summary>
    public string ReadLogFile()
    {
        if (!File.Exists(LogFile))
        {
            return "";
        }

        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        Process.Dispose();
        _folder.Dispose();
    }

    [GeneratedRegex(@"(?:listening on|multiusuario en) 127\.0\.0\.1:(\d+)$")]
    private static partial Regex ListeningPattern();
}
