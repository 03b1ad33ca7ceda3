using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Chat.Tests.Shared;

/// <summary>
/// A throwaway PostgreSQL cluster for one test class: Debian's server binaries
/// (installed by tests/setup.sh), a data folder under the temp directory, a free
/// loopback port, trust authentication for 127.0.0.1 only. When the tests run as
/// root the server runs as the `postgres` user, since PostgreSQL refuses root.
/// Stop() and Start() let a test take the database away and bring it back.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _runAs;

    private PostgresCluster(string bin, string folder, string runAs)
    {
        _bin = bin;
        Folder = folder;
        _runAs = runAs;
    }

    /// <summary>Holds the data folder, the socket folder and the server log.</summary>
    public string Folder { get; }

    public int Port { get; private set; }

    private string DataFolder => Path.Combine(Folder, "data");

    private string LogFile => Path.Combine(Folder, "server.log");

    /// <summary>An Npgsql connection string to <paramref name="database"/> (created by <see cref="CreateDatabaseAsync"/>).</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=15";

    /// <summary>The newest installed server's binaries, or null when PostgreSQL is not installed.</summary>
    public static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")))
            .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out int v) ? v : 0)
            .FirstOrDefault();
    }

    /// <summary>Creates and starts a cluster; fails with a clear message when PostgreSQL is missing.</summary>
    public static async Task<PostgresCluster> StartAsync()
    {
        string bin = FindBinaries()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql; run tests/setup.sh");
        bool root = Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";
        string folder = Path.Combine(Path.GetTempPath(), "chat-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var cluster = new PostgresCluster(bin, folder, root ? "postgres" : "");
        if (root)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", folder]).ConfigureAwait(false);
        }

        await cluster.RunPgAsync("initdb", ["-D", cluster.DataFolder, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]).ConfigureAwait(false);
        await File.AppendAllTextAsync(Path.Combine(cluster.DataFolder, "postgresql.conf"),
            $"""

            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{folder}'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 200
            shared_buffers = 64MB
            logging_collector = off

            """).ConfigureAwait(false);
        if (root)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", folder]).ConfigureAwait(false);
        }

        await cluster.StartAsync(freshPort: true).ConfigureAwait(false);
        return cluster;
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port.</summary>
    public Task StartAgainAsync() => StartAsync(freshPort: false);

    private async Task StartAsync(bool freshPort)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (freshPort)
            {
                Port = FreePort();
            }

            try
            {
                await RunPgAsync("pg_ctl", ["-D", DataFolder, "-l", LogFile, "-o", $"-p {Port}", "-w", "-t", "30", "start"]).ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && freshPort)
            {
                // Another process took the port between the probe and the start.
            }
        }
    }

    /// <summary>Stops the server at once (as a crash would), keeping its data.</summary>
    public Task StopAsync() => RunPgAsync("pg_ctl", ["-D", DataFolder, "-m", "immediate", "-w", "-t", "30", "stop"]);

    /// <summary>Creates a database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await RunPgAsync("createdb", ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", name]).ConfigureAwait(false);
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The server log, for a failing test's message.</summary>
    public string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private Task RunPgAsync(string tool, IReadOnlyList<string> args)
    {
        string path = Path.Combine(_bin, tool);
        return _runAs.Length == 0
            ? RunAsync(path, args)
            : RunAsync("runuser", ["-u", _runAs, "--", path, .. args]);
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish in 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await output.ConfigureAwait(false)}{await error.ConfigureAwait(false)}");
        }
    }
}
