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

        var command = new Command("join", "Join a chat server (ours or any IRC server) from this terminal. Type to talk, /help lists the commands (/join, /msg, /names, ...); 'salir' or /quit leaves. With input or output redirected it reads and prints plain lines, for scripts.")
        {
            alias, host, port, room, lang,
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
            };

            bool terminal = !Console.IsInputRedirected && !Console.IsOutputRedirected;
            using IChatView view = terminal ? new TerminalView(colors: true, bell: true) : new PlainView(Console.In, Console.Out, Console.Error);
            return await new JoinSession(options, view).RunAsync(cancel).ConfigureAwait(false);
        });
        return command;
    }
}
