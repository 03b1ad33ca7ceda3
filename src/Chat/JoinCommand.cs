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
            alias, host, port, room, lang, noColor, noBell, noReconnect,
        };

        command.SetAction(async (parse, cancel) =>
        {
            var options = new JoinOptions
            {
                Alias = parse.GetValue(alias),
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Room = parse.GetValue(room)!,
                Culture = CommonOptions.Culture(parse.GetValue(lang)),
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
