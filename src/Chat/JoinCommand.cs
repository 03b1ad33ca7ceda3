using System.CommandLine;
using Chat.Client;
using Chat.Client.Terminal;

namespace Chat;

/// <summary>`chat join`: the terminal client.</summary>
internal static class JoinCommand
{
    public static Command Create()
    {
        var alias = new Option<string?>("--alias", "-a")
        {
            Description = "Your alias (nick). Without it, chat join asks for one.",
        };
        var host = new Option<string>("--host")
        {
            Description = "Server to connect to (name or address).",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var port = CommonOptions.Port("Server port.");
        var room = new Option<string>("--room", "-r")
        {
            Description = "Room to join, with or without its '#'.",
            DefaultValueFactory = _ => "general",
        };
        var lang = CommonOptions.Lang();
        var password = new Option<string?>("--password")
        {
            Description = "Log in to your account (SASL PLAIN, or NickServ). Without a value it is read from CHAT_PASSWORD, or asked for without echo.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var register = new Option<bool>("--register")
        {
            Description = "Register your alias as an account (with --password, or asked for) while connecting.",
        };
        var tls = new Option<bool>("--tls")
        {
            Description = "Connect over TLS (port 6697 unless --port), checking the server's certificate.",
        };
        var insecure = new Option<bool>("--insecure")
        {
            Description = "With TLS, do not check the server's certificate (for self-signed test servers). Implies --tls.",
        };
        var fingerprint = new Option<string?>("--tls-fingerprint")
        {
            Description = "With TLS, accept exactly the certificate with this SHA-256 fingerprint (as chat serve --tls-self-signed prints it). Implies --tls.",
        };
        var noColor = new Option<bool>("--no-color")
        {
            Description = "No colours at a terminal (also when the NO_COLOR environment variable is set).",
        };
        var noBell = new Option<bool>("--no-bell")
        {
            Description = "Do not ring the terminal's bell on mentions and private messages (/bell on|off changes it later).",
        };
        var noReconnect = new Option<bool>("--no-reconnect")
        {
            Description = "Exit with code 2 when the connection is lost instead of reconnecting (redirected mode gives up after 5 attempts anyway).",
        };

        var command = new Command("join", "Join a chat server (ours or any IRC server) from this terminal. Type to talk, /help lists the commands (/join, /msg, /names, ...); 'salir' or /quit leaves. With input or output redirected it reads and prints plain lines, for scripts.")
        {
            alias, host, port, room, lang, password, register, tls, insecure, fingerprint, noColor, noBell, noReconnect,
        };

        command.SetAction(async (parse, cancel) =>
        {
            string? secret = null;
            if (parse.GetResult(password) is not null || parse.GetValue(register))
            {
                secret = parse.GetValue(password) ?? PasswordInput.Read(CommonOptions.Culture(parse.GetValue(lang)));
                if (string.IsNullOrEmpty(secret))
                {
                    Console.Error.WriteLine("chat join: no password given (use --password VALUE, CHAT_PASSWORD, or type it when asked).");
                    return 1;
                }
            }

            var culture = CommonOptions.Culture(parse.GetValue(lang));
            ClientTls? security = null;
            if (parse.GetValue(tls) || parse.GetValue(insecure) || parse.GetValue(fingerprint) is not null)
            {
                security = new ClientTls { Insecure = parse.GetValue(insecure), Fingerprint = parse.GetValue(fingerprint) };
                if (security.Insecure)
                {
                    Console.Error.WriteLine(new Chat.Client.Resources.ClientText(culture)["InsecureWarning"]);
                }
            }

            bool portGiven = parse.GetResult(port) is { Implicit: false };
            var options = new JoinOptions
            {
                Password = secret,
                Register = parse.GetValue(register),
                Alias = parse.GetValue(alias),
                Host = parse.GetValue(host)!,
                Port = security is not null && !portGiven ? 6697 : parse.GetValue(port),
                Tls = security,
                Room = parse.GetValue(room)!,
                Culture = culture,
                Reconnect = !parse.GetValue(noReconnect),
            };

            // https://no-color.org: any non-empty NO_COLOR turns colours off.
            bool colors = !parse.GetValue(noColor) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
            bool terminal = !Console.IsInputRedirected && !Console.IsOutputRedirected;
            using IChatView view = terminal
                ? new TerminalView(colors, bell: !parse.GetValue(noBell))
                : new PlainView(Console.In, Console.Out, Console.Error);
            return await new JoinSession(options, view).RunAsync(cancel).ConfigureAwait(false);
        });
        return command;
    }
}
