using System.Text;
using System.Text.Unicode;
using Chat.Core.Protocol;

namespace Chat.Server;

/// <summary>
/// Plain mode, for netcat, telnet and the original socket clients: the first line
/// is the alias, every further line a message to the default room, and "salir"
/// or "/quit" leaves. Such users read text, never IRC syntax.
/// </summary>
internal static class PlainMode
{
    /// <summary>
    /// True when a connection's first line is one word that is a valid nick and
    /// not an IRC command; anything else is IRC, so IRC clients are never mistaken.
    /// </summary>
    public static bool LooksLikeAlias(ReadOnlySpan<byte> firstLine)
    {
        if (!Utf8.IsValid(firstLine))
        {
            return false;
        }

        string word = Encoding.UTF8.GetString(firstLine).Trim();
        return word.Length > 0
            && !word.Contains(' ')
            && !IrcCommands.Known.Contains(word)
            && IrcValidation.IsValidNick(word);
    }

    public static void OnLine(Client client, ReadOnlySpan<byte> line)
    {
        var server = client.Server;
        if (!Utf8.IsValid(line))
        {
            client.SendPlain(server.Text["PlainInvalidUtf8"]);
            return;
        }

        // NUL cannot travel in IRC; it is dropped rather than the whole line.
        string text = Encoding.UTF8.GetString(line).Replace("\0", "", StringComparison.Ordinal).Trim();
        if (text.Length == 0)
        {
            return;
        }

        if (!client.IsRegistered)
        {
            ChooseAlias(client, text);
            return;
        }

        if (text.Equals("salir", StringComparison.OrdinalIgnoreCase) || text.Equals("/quit", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("/quit ", StringComparison.OrdinalIgnoreCase))
        {
            string reason = text.StartsWith('/') ? text[5..].Trim() : "";
            client.Close("Quit: " + (reason.Length > 0 ? reason : "salir"), server.Text.Format("PlainGoodbye", client.Nick!));
            return;
        }

        if (text.StartsWith('/'))
        {
            RunCommand(client, text);
            return;
        }

        // A long line goes out whole, as several messages that each fit.
        string channel = server.Options.DefaultChannel;
        int room = IrcText.RoomForText(client.Prefix, IrcCommands.Privmsg, channel);
        foreach (var part in IrcText.SplitUtf8(text, room))
        {
            server.Messaging.SendToChannel(client, IrcCommands.Privmsg, channel, part);
        }
    }

    private static void ChooseAlias(Client client, string alias)
    {
        var server = client.Server;
        if (!IrcValidation.IsValidNick(alias))
        {
            client.SendPlain(server.Text.Format("PlainNickInvalid", alias));
            return;
        }

        // Cluster hook: with several nodes the shared database decides first who gets a nick.
        if (server.Cluster?.ClaimNickFirst(client, alias, () => TakeAlias(client, alias),
            () => client.SendPlain(server.Text.Format("PlainNickInUse", alias))) == true)
        {
            return;
        }

        TakeAlias(client, alias);
    }

    private static void TakeAlias(Client client, string alias)
    {
        var server = client.Server;
        if (!server.State.TryClaimNick(client, alias))
        {
            client.SendPlain(server.Text.Format("PlainNickInUse", alias));
            return;
        }

        client.User = "~" + (alias.Length > 9 ? alias[..9] : alias);
        client.RealName = alias;
        client.HasUser = true;
        server.CompleteRegistration(client);
        client.SendPlain(server.Text.Format("PlainWelcome", alias));
        client.SendPlain(server.Text["PlainHowToLeave"]);
        server.Rooms.Join(client, server.Options.DefaultChannel);
    }

    private static void RunCommand(Client client, string text)
    {
        var server = client.Server;
        string[] words = text.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        switch (words[0].ToLowerInvariant())
        {
            case "/names":
            case "/who":
            case "/users":
                var channel = server.State.FindChannel(server.Options.DefaultChannel);
                IEnumerable<string> names = channel is null ? [] : channel.Members.Select(m => m.Nick!).Order(StringComparer.OrdinalIgnoreCase);
                client.SendPlain(server.Text.Format("PlainUsers", server.Options.DefaultChannel, string.Join(", ", names)));
                break;
            case "/msg":
                if (words.Length < 3)
                {
                    client.SendPlain(server.Text["PlainMsgUsage"]);
                    break;
                }

                if (!server.Messaging.SendToNick(client, IrcCommands.Privmsg, words[1], words[2]))
                {
                    client.SendPlain(server.Text.Format("PlainNoSuchNick", words[1]));
                }
                else
                {
                    client.SendPlain(server.Text.Format("PlainPrivateSent", words[1], words[2]));
                }

                break;
            case "/me":
                if (words.Length > 1)
                {
                    string action = text[3..].Trim();
                    server.Messaging.SendToChannel(client, IrcCommands.Privmsg, server.Options.DefaultChannel, $"\u0001ACTION {action}\u0001");
                }

                break;
            default:
                client.SendPlain(server.Text.Format("PlainUnknownCommand", words[0]));
                break;
        }
    }
}
