using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Chat.Server;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Extensions.Logging;

namespace Chat;

/// <summary>`chat serve`: runs the server until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host")
        {
            Description = "Address to listen on. Default 127.0.0.1 (this machine only); 0.0.0.0 listens on every IPv4 address.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var port = CommonOptions.Port("TCP port to listen on. 0 picks a free port and prints it.");
        var logFile = new Option<string>("--log-file")
        {
            Description = "File the server log is written to, besides the console. Its folder is created if needed.",
            DefaultValueFactory = _ => Path.Combine("logs", "chat.log"),
        };
        var serverName = new Option<string?>("--server-name")
        {
            Description = "The server's own name in IRC prefixes and replies. Default: derived from the host name.",
        };
        var lang = CommonOptions.Lang();
        var store = StoreCommandOptions.Create();

        var command = new Command("serve", "Run the chat server. IRC clients, `chat join` and plain `nc` users can connect.")
        {
            host, port, logFile, serverName, lang,
        };
        store.AddTo(command);

        command.SetAction(async (parse, cancel) =>
        {
            string hostText = parse.GetValue(host)!;
            if (!IPAddress.TryParse(hostText, out var address))
            {
                Console.Error.WriteLine($"chat serve: --host must be an IP address such as 127.0.0.1 or ::1, not '{hostText}'.");
                return 2;
            }

            string? name = parse.GetValue(serverName);
            if (name is not null && (name.Length == 0 || name.Contains(' ') || name.Contains('!') || name.Contains('@')))
            {
                Console.Error.WriteLine($"chat serve: --server-name must be one word without '!' or '@', not '{name}'.");
                return 2;
            }

            var options = new ServerOptions
            {
                Host = address,
                Port = parse.GetValue(port),
                Culture = CommonOptions.Culture(parse.GetValue(lang)),
            };
            if (name is not null)
            {
                options = options with { ServerName = name };
            }

            options = store.Apply(parse, options);

            return await RunAsync(options, parse.GetValue(logFile)!, cancel).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ServerOptions options, string logFile, CancellationToken cancel)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(logFile));
        try
        {
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"chat serve: cannot create the log folder {folder}: {ex.Message}");
            return 1;
        }

        await using var serilog = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Message:lj}{NewLine}{Exception}")
            .WriteTo.File(logFile, outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}", shared: true, flushToDiskInterval: TimeSpan.FromSeconds(1))
            .CreateLogger();
        using var loggers = new SerilogLoggerFactory(serilog);
        ChatServer server;
        try
        {
            server = new ChatServer(options, loggers);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            Console.Error.WriteLine($"chat serve: cannot open the database in {options.Store.DataDirectory}: {ex.Message}");
            return 1;
        }

        server.Log.StoreOpened(Path.Combine(options.Store.DataDirectory!, "chat.db"));
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            Console.Error.WriteLine($"chat serve: cannot listen on {options.Host}:{options.Port}: {ex.Message}");
            return 1;
        }

        try
        {
            await Task.Delay(Timeout.Infinite, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await server.StopAsync().ConfigureAwait(false);
        return 0;
    }
}
