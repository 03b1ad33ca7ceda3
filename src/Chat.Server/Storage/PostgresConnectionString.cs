using System.Globalization;
using Npgsql;

namespace Chat.Server.Storage;

/// <summary>
/// What `--database` accepts, turned into one Npgsql connection string: either
/// Npgsql's own key/value form ("Host=db;Port=5432;Database=chat;Username=chat")
/// or a libpq URL ("postgresql://chat:secret@db:5432/chat?sslmode=require").
/// Errors never repeat the password.
/// </summary>
public static class PostgresConnectionString
{
    /// <summary>Query parameters of a URL that have another name (and sometimes other values) in Npgsql.</summary>
    private static readonly Dictionary<string, string> UrlParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["target_session_attrs"] = "Target Session Attributes",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslrootcert"] = "Root Certificate",
        ["sslpassword"] = "SSL Password",
        ["options"] = "Options",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
        ["host"] = "Host",
        ["port"] = "Port",
    };

    /// <summary>True when <paramref name="text"/> is a postgres:// or postgresql:// URL.</summary>
    public static bool IsUrl(string text) =>
        text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The Npgsql connection string for <paramref name="text"/> (a URL or a
    /// key/value string). Throws <see cref="FormatException"/> with a message that
    /// names the problem, and never the password, when it cannot be used.
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (text.Length == 0)
        {
            throw new FormatException("the database is empty; give a connection string (Host=...;Database=...) or a postgresql:// URL");
        }

        var builder = IsUrl(text) ? FromUrl(text) : FromKeyValues(text);
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new FormatException("the database has no host; add Host=... (or write postgresql://host/database)");
        }

        return builder.ConnectionString;
    }

    /// <summary>Where a connection string points, for logs and messages: "user@host:port/database", never the password.</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        string user = string.IsNullOrEmpty(builder.Username) ? "" : builder.Username + "@";
        string host = builder.Host ?? "localhost";
        string where = host.Contains(',', StringComparison.Ordinal) ? host : $"{FormatHost(host)}:{builder.Port.ToString(CultureInfo.InvariantCulture)}";
        return $"{user}{where}/{builder.Database ?? builder.Username ?? ""}";
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    private static NpgsqlConnectionStringBuilder FromKeyValues(string text)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException or KeyNotFoundException)
        {
            // The builder's message can quote the offending part; say which key without the value.
            throw new FormatException($"not a valid connection string ({KeyOf(ex)}); expected Key=Value pairs separated by ';' such as Host=db;Database=chat, or a postgresql:// URL");
        }
    }

    /// <summary>Names the key an Npgsql builder error is about, without quoting any value (it could be a password).</summary>
    private static string KeyOf(Exception ex)
    {
        string message = ex.Message;
        if (ex is ArgumentException { ParamName: { Length: > 0 } param } && !param.Equals("value", StringComparison.OrdinalIgnoreCase))
        {
            return $"key '{param}'";
        }

        if (message.Contains("not supported", StringComparison.OrdinalIgnoreCase) || message.Contains("Keyword", StringComparison.OrdinalIgnoreCase))
        {
            int open = message.IndexOf('\'', StringComparison.Ordinal);
            int close = open >= 0 ? message.IndexOf('\'', open + 1) : -1;
            if (close > open + 1)
            {
                return $"unknown key '{message[(open + 1)..close]}'";
            }

            return "an unknown key";
        }

        return "a value of the wrong form";
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string text)
    {
        // Uri rejects some forms libpq accepts (an empty host), so check the pieces ourselves.
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.HostNameType == UriHostNameType.Unknown)
        {
            throw new FormatException("not a valid postgresql:// URL; expected postgresql://user:password@host:port/database?sslmode=...");
        }

        var builder = new NpgsqlConnectionStringBuilder();
        try
        {
            builder.Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
            if (!uri.IsDefaultPort && uri.Port > 0)
            {
                builder.Port = uri.Port;
            }
            else if (HasExplicitPort(text))
            {
                throw new FormatException("the URL's port is not a number from 1 to 65535");
            }

            if (uri.UserInfo.Length > 0)
            {
                int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
                string user = colon < 0 ? uri.UserInfo : uri.UserInfo[..colon];
                builder.Username = Uri.UnescapeDataString(user);
                if (colon >= 0)
                {
                    builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
                }
            }

            string path = uri.AbsolutePath.Trim('/');
            if (path.Contains('/', StringComparison.Ordinal))
            {
                throw new FormatException("the URL's path must be just the database name (postgresql://host/database)");
            }

            if (path.Length > 0)
            {
                builder.Database = Uri.UnescapeDataString(path);
            }

            foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new FormatException($"the URL parameter '{Uri.UnescapeDataString(eq < 0 ? pair : "=")}' has no name=value form");
                }

                string name = Uri.UnescapeDataString(pair[..eq]);
                string value = Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
                SetParameter(builder, name, value);
            }
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"not a valid postgresql:// URL ({KeyOf(ex)})");
        }

        return builder;
    }

    private static bool HasExplicitPort(string text)
    {
        // "postgresql://host:abc/db" parses with the default port in some runtimes; the authority tells.
        int start = text.IndexOf("//", StringComparison.Ordinal) + 2;
        int end = text.IndexOfAny(['/', '?'], start);
        string authority = end < 0 ? text[start..] : text[start..end];
        int at = authority.LastIndexOf('@');
        string hostPort = at < 0 ? authority : authority[(at + 1)..];
        int bracket = hostPort.LastIndexOf(']');
        int colon = hostPort.LastIndexOf(':');
        return colon > bracket && colon >= 0;
    }

    private static void SetParameter(NpgsqlConnectionStringBuilder builder, string name, string value)
    {
        if (name.Equals("sslmode", StringComparison.OrdinalIgnoreCase))
        {
            builder.SslMode = value.ToLowerInvariant() switch
            {
                "disable" => SslMode.Disable,
                "allow" => SslMode.Allow,
                "prefer" => SslMode.Prefer,
                "require" => SslMode.Require,
                "verify-ca" => SslMode.VerifyCA,
                "verify-full" => SslMode.VerifyFull,
                _ => throw new FormatException($"the URL's sslmode must be disable, allow, prefer, require, verify-ca or verify-full, not '{value}'"),
            };
            return;
        }

        string key = UrlParameters.GetValueOrDefault(name) ?? name;
        try
        {
            builder[key] = value;
        }
        catch (Exception ex) when (ex is KeyNotFoundException || (ex is ArgumentException && ex.Message.Contains("not supported", StringComparison.OrdinalIgnoreCase)))
        {
            throw new FormatException($"the URL parameter '{name}' is unknown");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new FormatException(key.Contains("Password", StringComparison.OrdinalIgnoreCase)
                ? $"the URL parameter '{name}' cannot be used"
                : $"the URL parameter '{name}' has a value of the wrong form: '{value}'");
        }
    }
}
