using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using Chat.Server;
using Chat.Server.Configuration;
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
            DefaultValueFactory = _ => ServeSettings.DefaultLogFile,
        };
        var serverName = new Option<string?>("--server-name")
        {
            Description = "The server's own name in IRC prefixes and replies. Default: derived from the host name.",
        };
        var lang = CommonOptions.Lang();
        var config = new Option<string?>("--config", "-c")
        {
            Description = "A JSON configuration file (server name, MOTD, operators, limits...). CHAT_-prefixed environment variables (CHAT_Server__Name) override it, and the options above override both.",
        };

        var store = StoreCommandOptions.Create();
        var noFlood = new Option<bool>("--no-flood-control")
        {
            Description = "Lift the per-client line rate limit (burst 5, then 2 lines/s); send queues still apply. For benchmarks and trusted networks.",
        };

        var command = new Command("serve", "Run the chat server. IRC clients, `chat join` and plain `nc` users can connect.")
        {
            host, port, logFile, serverName, lang, config, noFlood,
        };
        store.AddTo(command);
        var transports = new ServeTransportOptions();
        transports.AddTo(command);

        command.SetAction(async (parse, cancel) =>
        {
            // Only options really typed go on top of the file and the environment; defaults must not.
            var given = new List<string>();
            void Add<T>(Option<T> option, string flag)
            {
                if (parse.GetResult(option) is { Implicit: false })
                {
                    given.Add(flag);
                    given.Add(Convert.ToString(parse.GetValue(option), CultureInfo.InvariantCulture) ?? "");
                }
            }

            Add(host, "--host");
            Add(port, "--port");
            Add(logFile, "--log-file");
            Add(serverName, "--server-name");
            Add(lang, "--lang");
            if (parse.GetValue(noFlood))
            {
                given.Add("--flood-control");
                given.Add("false");
            }
            transports.AddGiven(parse, given);

            ServeSettings settings;
            try
            {
                settings = ServerConfiguration.Load(parse.GetValue(config), given);
            }
            catch (ConfigurationException ex)
            {
                Console.Error.WriteLine($"chat serve: {ex.Message}");
                return 2;
            }

            CultureInfo.CurrentUICulture = settings.Server.Culture;
            ServeTransportOptions.ReportSelfSigned(settings);
            settings = settings with { Server = store.Apply(parse, settings.Server) };
            return await RunAsync(settings, cancel).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ServeSettings settings, CancellationToken cancel)
    {
        var options = settings.Server;
        var text = new Chat.Server.Resources.ServerText(options.Culture);
        string logFile = settings.LogFile;
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
            Console.Error.WriteLine("chat serve: " + text.Format("StartNoLogFolder", folder ?? logFile, ex.Message));
            return 1;
        }

        // The sinks run on their own thread behind a bounded buffer, so a slow
        // console or disk never holds up message delivery; under a flood beyond
        // the buffer, log lines are dropped rather than the server slowed.
        await using var serilog = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Async(
                sinks =>
                {
                    sinks.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Message:lj}{NewLine}{Exception}");
                    sinks.File(logFile, outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}", shared: true, flushToDiskInterval: TimeSpan.FromSeconds(1));
                },
                bufferSize: 100_000,
                blockWhenFull: false)
            .CreateLogger();
        using var loggers = new SerilogLoggerFactory(serilog);
        ChatServer server;
        try
        {
            server = new ChatServer(options, loggers);
        }
        catch (Chat.Server.Storage.StoreUnavailableException ex)
        {
            // PostgreSQL (--database) unreachable or refusing: the message names it, never the password.
            Console.Error.WriteLine($"chat serve: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            Console.Error.WriteLine("chat serve: " + text.Format("StartNoDatabase", options.Store.DataDirectory ?? "", ex.Message));
            return 1;
        }

        server.Log.StoreOpened(Chat.Server.Storage.ChatStores.Describe(options));
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            Console.Error.WriteLine("chat serve: " + text.Format("StartCannotListen", $"{options.Host}:{options.Port}", ex.Message));
            return 1;
        }

        Chat.Web.ChatWebServer? web;
        try
        {
            web = await ServeTransportOptions.StartWebAsync(server, settings.Web, loggers, cancel).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine("chat serve: " + text.Format("StartNoWeb", $"{options.Host}:{settings.Web.Port}", ex.Message));
            await server.StopAsync().ConfigureAwait(false);
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
        if (web is not null)
        {
            await web.StopAsync().ConfigureAwait(false);
        }

        return 0;
    }
}
