namespace Chat.Interop.Tests;

/// <summary>
/// Debian's ngircd, started for one test on 127.0.0.1 and a free port with a
/// config written to a temporary folder; Dispose stops it and removes the folder.
/// </summary>
public sealed class NgircdServer : IDisposable
{
    private readonly DirectoryInfo _folder;
    private readonly ChildProcess _process;

    private NgircdServer(DirectoryInfo folder, ChildProcess process, int port)
    {
        _folder = folder;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Output => _process.Output;

    /// <summary>Starts ngircd on <paramref name="port"/> (a free one when null: give the old one to restart a server).</summary>
    public static async Task<NgircdServer> StartAsync(int? port = null)
    {
        string program = Loopback.FindProgram("ngircd")
            ?? throw new InvalidOperationException("ngircd is not installed; tests/setup.sh installs it (apt-get install ngircd).");

        var folder = Directory.CreateTempSubdirectory("chat-ngircd-");
        int listen = port ?? Loopback.FreePort();
        string config = Path.Combine(folder.FullName, "ngircd.conf");
        File.WriteAllText(config, Config(listen));

        // --nodaemon keeps it in the foreground, logging to the console; --passive: no server links.
        // Started as root it switches to the user "nobody" by itself (ServerUID must not be root);
        // the config is read before that, so the private temporary folder is fine.
        var process = ChildProcess.Start(program, "--nodaemon", "--passive", "--config", config);
        var server = new NgircdServer(folder, process, listen);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (!await Loopback.AcceptsAsync(listen))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException(
                        $"ngircd did not start listening on 127.0.0.1:{listen}. Its output:\n{process.Output}");
                }

                await Task.Delay(100);
            }
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return server;
    }

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Loopback only; no DNS, ident or PAM (nothing outside the machine, no
    /// accounts); any number of connections from 127.0.0.1; nicks up to 30
    /// characters like ours; no penalty delays, so quick test commands are not
    /// slowed down.
    /// </summary>
    private static string Config(int port) => $"""
        [Global]
        Name = irc.interop.test
        Info = chat interop test server
        AdminInfo1 = chat interop tests
        AdminInfo2 = loopback only
        AdminEMail = nobody@interop.test
        Listen = 127.0.0.1
        Ports = {port}
        MotdPhrase = ngircd for the chat interop tests

        [Limits]
        MaxConnectionsIP = 0
        MaxNickLength = 30
        MaxPenaltyTime = 0
        MaxJoins = 0

        [Options]
        DNS = no
        Ident = no
        PAM = no
        """;
}
