using System.Globalization;
using System.Net;
using Chat.Core.Protocol;
using Chat.Server.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace Chat.Server.Configuration;

/// <summary>
/// Loads `chat serve`'s configuration: the JSON file, then CHAT_-prefixed
/// environment variables (CHAT_Server__Name), then command-line options, later
/// sources winning. Everything is checked before anything starts: the first
/// problem is a <see cref="ConfigurationException"/> naming its source and key.
/// </summary>
/// <remarks>
/// Keys: Server (Name, Network, Language, Motd or MotdFile, Admin {Location,
/// Location2, Email}), Listen (Host, Port), Limits (SendQueueBytes,
/// RegistrationTimeoutSeconds, PingIntervalSeconds, PingTimeoutSeconds,
/// FloodControl, FloodBurst, FloodLinesPerSecond, MaxLinesBeforeRegistration,
/// MaxConnectionsPerIp, MaxNewConnectionsPerIp, NewConnectionsWindowSeconds, ExemptLoopback),
/// Operators (a list of {Name, PasswordHash}), Log (File) and Cluster (Database,
/// NodeName, HeartbeatSeconds, NodeTimeoutSeconds). Unknown keys are
/// errors, so a typo never silently falls back to a default.
/// </remarks>
public static partial class ServerConfiguration
{
    public const string EnvironmentPrefix = "CHAT_";

    /// <summary>The `chat serve` options that map onto configuration keys.</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--host"] = "Listen:Host",
        ["--port"] = "Listen:Port",
        ["--server-name"] = "Server:Name",
        ["--log-file"] = "Log:File",
        ["--lang"] = "Server:Language",
        ["--flood-control"] = "Limits:FloodControl",
        ["--data-dir"] = "Server:DataDirectory",
        ["--no-plain"] = "Listen:Plain",
        ["--web-port"] = "Web:Port",
        ["--web-origin"] = "Web:Origins",
        ["--tls-cert"] = "Tls:Certificate",
        ["--tls-key"] = "Tls:Key",
        ["--tls-port"] = "Tls:Port",
        ["--tls-self-signed"] = "Tls:SelfSigned",
        ["--database"] = "Cluster:Database",
        ["--node-name"] = "Cluster:NodeName",
    };

    private static readonly Dictionary<string, string[]> KnownKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        [""] = ["Server", "Listen", "Limits", "Operators", "Log", "Web", "Tls", "Cluster"],
        ["Server"] = ["Name", "Network", "Language", "Motd", "MotdFile", "Admin", "DataDirectory", "RequireTlsForLogin"],
        ["Server:Admin"] = ["Location", "Location2", "Email"],
        ["Listen"] = ["Host", "Port", "Plain"],
        ["Web"] = ["Port", "Origins"],
        ["Tls"] = ["Certificate", "Key", "Port", "SelfSigned", "StsDurationSeconds"],
        ["Limits"] =
        [
            "SendQueueBytes", "RegistrationTimeoutSeconds", "PingIntervalSeconds", "PingTimeoutSeconds",
            "FloodControl", "FloodBurst", "FloodLinesPerSecond", "MaxLinesBeforeRegistration",
            "MaxConnectionsPerIp", "MaxNewConnectionsPerIp", "NewConnectionsWindowSeconds", "ExemptLoopback",
        ],
        ["Log"] = ["File", "Messages"],
        ["Cluster"] = ["Database", "NodeName", "HeartbeatSeconds", "NodeTimeoutSeconds"],
    };

    private static readonly string[] OperatorKeys = ["Name", "PasswordHash"];

    /// <param name="configFile">The JSON file, or null for none.</param>
    /// <param name="commandLine">Command-line options given explicitly, as in <see cref="SwitchMappings"/> ("--port", "6667").</param>
    /// <param name="environmentPrefix">Prefix of the environment variables read; tests use their own.</param>
    public static ServeSettings Load(string? configFile, IEnumerable<string> commandLine, string environmentPrefix = EnvironmentPrefix)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            string full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new ConfigurationException($"{configFile}: the configuration file does not exist.");
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(environmentPrefix);
        builder.AddCommandLine([.. commandLine], SwitchMappings.ToDictionary());

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The innermost exception is the parser's, with the line and position.
            throw new ConfigurationException(OneLine($"{configFile}: not valid JSON: {ex.GetBaseException().Message}"), ex);
        }

        return new Reader(root, configFile, environmentPrefix).Read();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>Reads and checks one built configuration, knowing where each value came from.</summary>
    private sealed partial class Reader(IConfigurationRoot root, string? configFile, string environmentPrefix)
    {
        public ServeSettings Read()
        {
            CheckKnownKeys("");
            var options = new ServerOptions();

            options = ReadServer(options);
            options = ReadListen(options);
            options = ReadLimits(options);
            options = options with { Operators = ReadOperators() };
            options = ReadTls(options, out var selfSigned);
            options = options with { Cluster = ReadCluster() };
            if (Flag("Log:Messages") is { } logMessages)
            {
                options = options with { LogMessages = logMessages };
            }

            // One data folder (--data-dir, Server:DataDirectory) holds the database and the self-signed certificate.
            options = options with { Store = options.Store with { DataDirectory = DataFolder() } };

            string logFile = Text("Log:File") ?? ServeSettings.DefaultLogFile;
            return new ServeSettings { Server = options, LogFile = logFile, Web = ReadWeb(), SelfSigned = selfSigned };
        }

        private ServerOptions ReadServer(ServerOptions options)
        {
            if (Text("Server:Name") is { } name)
            {
                if (name.Length == 0 || name.AsSpan().IndexOfAny(" !@,:*?") >= 0)
                {
                    throw Fail("Server:Name", $"must be one word without spaces, '!', '@', ',', ':' or wildcards, not '{name}'");
                }

                options = options with { ServerName = name };
            }

            if (Text("Server:Network") is { } network)
            {
                if (network.Length == 0 || network.Contains(' '))
                {
                    throw Fail("Server:Network", $"must be one word without spaces, not '{network}'");
                }

                options = options with { Network = network };
            }

            if (Text("Server:Language") is { } language)
            {
                if (language is not ("en" or "es"))
                {
                    throw Fail("Server:Language", $"must be en or es, not '{language}'");
                }

                options = options with { Culture = CultureInfo.GetCultureInfo(language) };
            }

            var motd = root.GetSection("Server:Motd");
            string? motdFile = Text("Server:MotdFile");
            if (motd.Exists())
            {
                if (motdFile is not null)
                {
                    throw Fail("Server:MotdFile", "cannot be set together with Server:Motd; choose the lines or the file");
                }

                // A single string is one line; a list is bound in index order.
                string[] lines = motd.Value is { } single ? [single] : motd.Get<string[]>() ?? [];
                if (motd.GetChildren().Any(c => c.GetChildren().Any()))
                {
                    throw Fail("Server:Motd", "must be a list of lines (strings)");
                }

                options = options with { Motd = lines };
            }
            else if (motdFile is not null)
            {
                if (motdFile.Length == 0)
                {
                    throw Fail("Server:MotdFile", "is empty; give a file path or leave it out");
                }

                options = options with { MotdFile = ResolvePath("Server:MotdFile", motdFile) };
            }

            CheckKnownKeys("Server:Admin");
            options = options with
            {
                Admin = new AdminInfo
                {
                    Location = Text("Server:Admin:Location"),
                    Location2 = Text("Server:Admin:Location2"),
                    Email = Text("Server:Admin:Email"),
                },
            };
            return options;
        }

        private ServerOptions ReadListen(ServerOptions options)
        {
            if (Text("Listen:Host") is { } host)
            {
                if (!IPAddress.TryParse(host, out var address))
                {
                    throw Fail("Listen:Host", $"must be an IP address such as 127.0.0.1, 0.0.0.0 or ::1, not '{host}'");
                }

                options = options with { Host = address };
            }

            if (Integer("Listen:Port", 0, 65535, "a port number") is { } port)
            {
                options = options with { Port = port };
            }

            return options;
        }

        private ServerOptions ReadLimits(ServerOptions options)
        {
            if (Integer("Limits:SendQueueBytes", IrcLimits.MaxLine, 64 * 1024 * 1024, "a size in bytes") is { } sendQueue)
            {
                options = options with { Connection = options.Connection with { SendQueueLimit = sendQueue } };
            }

            if (Seconds("Limits:RegistrationTimeoutSeconds") is { } registration)
            {
                options = options with { RegistrationTimeout = registration };
            }

            if (Seconds("Limits:PingIntervalSeconds") is { } interval)
            {
                options = options with { PingInterval = interval };
            }

            if (Seconds("Limits:PingTimeoutSeconds") is { } timeout)
            {
                options = options with { PingTimeout = timeout };
            }

            var flood = options.Flood;
            if (Flag("Limits:FloodControl") is { } floodOn)
            {
                flood = flood with { Enabled = floodOn };
            }

            if (Integer("Limits:FloodBurst", 1, 1000, "a number of lines") is { } burst)
            {
                flood = flood with { Burst = burst };
            }

            if (Integer("Limits:FloodLinesPerSecond", 1, 100_000, "a number of lines per second") is { } rate)
            {
                flood = flood with { LinesPerSecond = rate };
            }

            if (Integer("Limits:MaxLinesBeforeRegistration", 5, 10_000, "a number of lines") is { } before)
            {
                flood = flood with { MaxLinesBeforeRegistration = before };
            }

            var throttle = options.Throttle;
            if (Integer("Limits:MaxConnectionsPerIp", 1, 1_000_000, "a number of connections") is { } perIp)
            {
                throttle = throttle with { MaxConcurrentPerIp = perIp };
            }

            if (Integer("Limits:MaxNewConnectionsPerIp", 1, 1_000_000, "a number of connections") is { } newPerIp)
            {
                throttle = throttle with { MaxNewPerWindow = newPerIp };
            }

            if (Seconds("Limits:NewConnectionsWindowSeconds") is { } window)
            {
                throttle = throttle with { Window = window };
            }

            if (Flag("Limits:ExemptLoopback") is { } exempt)
            {
                throttle = throttle with { ExemptLoopback = exempt };
            }

            return options with { Flood = flood, Throttle = throttle };
        }

        private List<OperatorEntry> ReadOperators()
        {
            var section = root.GetSection("Operators");
            var operators = new List<OperatorEntry>();
            if (!section.Exists())
            {
                return operators;
            }

            if (section.Value is not null || section.GetChildren().Any(c => !int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                throw Fail("Operators", "must be a list of { \"Name\": ..., \"PasswordHash\": ... } objects");
            }

            foreach (var entry in section.GetChildren().OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)))
            {
                string path = entry.Path;
                if (entry.Value is not null)
                {
                    throw Fail(path, "must be an object with Name and PasswordHash");
                }

                CheckKnownKeys(path, OperatorKeys);
                string? name = Text(path + ":Name");
                if (string.IsNullOrEmpty(name) || name.Contains(' '))
                {
                    throw Fail(path + ":Name", "is missing or not one word");
                }

                string? hash = Text(path + ":PasswordHash");
                if (string.IsNullOrEmpty(hash))
                {
                    throw Fail(path + ":PasswordHash", $"is missing for operator '{name}'; make one with `chat hash-password`");
                }

                if (!PasswordHasher.IsWellFormed(hash, out string problem))
                {
                    throw Fail(path + ":PasswordHash", $"of operator '{name}' {problem}");
                }

                if (operators.Any(o => o.Name == name))
                {
                    throw Fail(path + ":Name", $"operator '{name}' is listed twice");
                }

                operators.Add(new OperatorEntry(name, hash));
            }

            return operators;
        }

        /// <summary>A leaf value, or null when absent; an object or list where a value belongs is an error.</summary>
        private string? Text(string key)
        {
            var section = root.GetSection(key);
            if (section.GetChildren().Any())
            {
                throw Fail(key, "must be a single value, not an object or a list");
            }

            return section.Value;
        }

        private int? Integer(string key, int min, int max, string what)
        {
            string? text = Text(key);
            if (text is null)
            {
                return null;
            }

            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            {
                throw Fail(key, $"must be {what} from {min} to {max}, not '{text}'");
            }

            return value;
        }

        private bool? Flag(string key)
        {
            string? text = Text(key);
            if (text is null)
            {
                return null;
            }

            return bool.TryParse(text, out bool value) ? value : throw Fail(key, $"must be true or false, not '{text}'");
        }

        private TimeSpan? Seconds(string key) =>
            Integer(key, 1, 86_400, "a whole number of seconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : null;

        /// <summary>Relative paths in the file are relative to the file; elsewhere, to the current folder.</summary>
        private string ResolvePath(string key, string path)
        {
            if (Path.IsPathRooted(path) || configFile is null || Provider(key) is not JsonConfigurationProvider)
            {
                return Path.GetFullPath(path);
            }

            string folder = Path.GetDirectoryName(Path.GetFullPath(configFile)) ?? ".";
            return Path.GetFullPath(Path.Combine(folder, path));
        }

        private void CheckKnownKeys(string path, string[]? known = null)
        {
            known ??= KnownKeys.GetValueOrDefault(path);
            if (known is null)
            {
                return;
            }

            var section = path.Length == 0 ? (IConfiguration)root : root.GetSection(path);
            if (path.Length > 0 && root.GetSection(path).Value is not null)
            {
                throw Fail(path, $"must be an object with {string.Join(", ", known)}");
            }

            foreach (var child in section.GetChildren())
            {
                if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                {
                    string what = path.Length == 0 ? "section" : "key";
                    throw Fail(child.Path, $"is an unknown {what}; expected one of {string.Join(", ", known)}");
                }

                if (KnownKeys.ContainsKey(child.Path))
                {
                    CheckKnownKeys(child.Path);
                }
            }
        }

        private ConfigurationException Fail(string key, string problem) =>
            new(OneLine($"{Describe(Provider(key), key)}: {key} {problem}."));

        /// <summary>The source that supplies <paramref name="key"/> (a value or anything under it); the last one wins.</summary>
        private IConfigurationProvider? Provider(string key)
        {
            foreach (var provider in root.Providers.Reverse())
            {
                if (provider.TryGet(key, out _) || provider.GetChildKeys([], key).Any())
                {
                    return provider;
                }
            }

            return null;
        }

        private string Describe(IConfigurationProvider? provider, string key) => provider switch
        {
            JsonConfigurationProvider => configFile!,
            EnvironmentVariablesConfigurationProvider => $"environment variable {environmentPrefix}{key.Replace(":", "__", StringComparison.Ordinal)}",
            CommandLineConfigurationProvider => SwitchMappings.FirstOrDefault(m => key.StartsWith(m.Value, StringComparison.OrdinalIgnoreCase)).Key is { } flag
                ? $"command-line option {flag}"
                : "command line",
            _ => configFile ?? "configuration",
        };
    }
}
