using System.CommandLine;
using System.Globalization;
using Chat.Server;
using Chat.Server.Configuration;
using Chat.Web;
using Microsoft.Extensions.Logging;

namespace Chat;

/// <summary>
/// The options of `chat serve` for how clients reach it besides plain TCP: the web
/// client and WebSocket (--web-port, --web-origin), TLS (--tls-cert, --tls-key,
/// --tls-port, --tls-self-signed, --no-plain), --data-dir, and the shared
/// PostgreSQL database of several nodes (--database, --node-name). Each maps onto
/// a configuration key (see <see cref="ServerConfiguration.SwitchMappings"/>).
/// </summary>
internal sealed class ServeTransportOptions
{
    private readonly Option<int?> _webPort = new("--web-port")
    {
        Description = "Serve the web client and IRC over WebSocket (ws://host:port/irc) on this port, on the same --host. Off unless given; 0 picks a free port.",
    };

    private readonly Option<string[]> _webOrigin = new("--web-origin")
    {
        Description = "Another origin (https://chat.example.org) whose pages may open the WebSocket, besides the server's own. Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string?> _tlsCert = new("--tls-cert")
    {
        Description = "PEM certificate (chain) for TLS: IRC over TLS on --tls-port, and HTTPS/WSS on --web-port.",
    };

    private readonly Option<string?> _tlsKey = new("--tls-key")
    {
        Description = "PEM private key of --tls-cert.",
    };

    private readonly Option<int?> _tlsPort = new("--tls-port")
    {
        Description = "Port of IRC over TLS. Default 6697.",
    };

    private readonly Option<bool> _tlsSelfSigned = new("--tls-self-signed")
    {
        Description = "Make (once) and use a self-signed certificate kept in the data directory, and print its SHA-256 fingerprint. For quick and local setups.",
    };

    private readonly Option<bool> _noPlain = new("--no-plain")
    {
        Description = "With TLS: do not listen on the plain-text --port.",
    };

    private readonly Option<string?> _dataDir = new("--data-dir")
    {
        Description = "Where the server keeps its files. Default: $XDG_DATA_HOME/chat or ~/.local/share/chat.",
    };

    private readonly Option<string?> _database = new("--database")
    {
        Description = "Keep history and accounts in PostgreSQL instead of SQLite in --data-dir, so several servers can share them: "
            + "an Npgsql connection string (\"Host=db;Database=chat;Username=chat;Password=...\") or a URL (postgresql://chat:secret@db:5432/chat?sslmode=require). "
            + "Also CHAT_Cluster__Database, which keeps the password out of the process list.",
    };

    private readonly Option<string?> _nodeName = new("--node-name")
    {
        Description = "This server's name among the servers sharing one --database (logs, presence). Default: the server name.",
    };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _webPort, _webOrigin, _tlsCert, _tlsKey, _tlsPort, _tlsSelfSigned, _noPlain, _dataDir, _database, _nodeName })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Adds the options really typed, as configuration switches ("--web-port", "8080").</summary>
    public void AddGiven(ParseResult parse, List<string> given)
    {
        void Add<T>(Option<T> option, Func<T, string?> text)
        {
            if (parse.GetResult(option) is { Implicit: false } && text(parse.GetValue(option)!) is { } value)
            {
                given.Add(option.Name);
                given.Add(value);
            }
        }

        static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);
        Add(_webPort, Number);
        Add(_webOrigin, origins => origins.Length == 0 ? null : string.Join(',', origins));
        Add(_tlsCert, path => path);
        Add(_tlsKey, path => path);
        Add(_tlsPort, Number);
        Add(_tlsSelfSigned, on => on ? "true" : null);
        Add(_noPlain, off => off ? "false" : null);
        Add(_dataDir, path => path);
        Add(_database, text => text);
        Add(_nodeName, name => name);
    }

    /// <summary>Says which self-signed certificate is in use, so users can compare the fingerprint.</summary>
    public static void ReportSelfSigned(ServeSettings settings)
    {
        if (settings.SelfSigned is { } self)
        {
            string what = self.Created ? "Created a self-signed certificate" : "Using the self-signed certificate";
            Console.WriteLine($"{what} {self.CertificateFile}");
            Console.WriteLine($"SHA-256 fingerprint: {self.Fingerprint}");
        }
    }

    /// <summary>Starts the web server when a web port was configured; null otherwise. Throws IOException when the port is taken.</summary>
    public static async Task<ChatWebServer?> StartWebAsync(ChatServer server, WebSettings web, ILoggerFactory loggers, CancellationToken cancel)
    {
        if (web.Port is null)
        {
            return null;
        }

        var site = new ChatWebServer(server, web, loggers);
        await site.StartAsync(cancel).ConfigureAwait(false);
        return site;
    }
}
