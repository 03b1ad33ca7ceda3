using Chat.Client.Resources;
using Chat.Client.Terminal;
using Chat.Core.Protocol;

namespace Chat.Client;

/// <summary>
/// Carries out what the user typed (a parsed <see cref="ClientCommand"/>): sends
/// it to the server for the right room and shows what needs no server answer,
/// like our own private messages or the help. Leaving is the session's job.
/// </summary>
public sealed class SessionCommands
{
    private readonly ChatRooms _rooms;
    private readonly IChatView _view;
    private readonly ClientText _text;

    public SessionCommands(IrcChatClient client, ChatRooms rooms, IChatView view, ClientText text)
    {
        Client = client;
        _rooms = rooms;
        _view = view;
        _text = text;
    }

    /// <summary>The connection commands go to; a new one after a reconnect.</summary>
    public IrcChatClient Client { get; set; }

    /// <summary>False while reconnecting: commands that need the server say so instead of getting lost.</summary>
    public bool Connected { get; set; } = true;

    /// <summary>Shows what we said in a room the way others see it (terminals only); null: not shown.</summary>
    public EventText? Echo { get; set; }

    public void Run(ClientCommand command)
    {
        if (!Connected && command is not (ClientCommand.Help or ClientCommand.Usage or ClientCommand.Unknown
            or ClientCommand.Nothing or ClientCommand.Bell or ClientCommand.SwitchRoom))
        {
            Show(_text["NotConnected"]);
            return;
        }

        switch (command)
        {
            case ClientCommand.Say say:
                InRoom(room =>
                {
                    Client.SendMessage(room, say.Text);
                    if (Echo is not null)
                    {
                        _view.ShowOwn(Echo.Own(Client.Nick!, room, say.Text));
                    }
                });
                break;
            case ClientCommand.Bell bell:
                if (bell.On is { } on)
                {
                    _view.Bell = on;
                }

                Show(_text[_view.Bell ? "BellOn" : "BellOff"]);
                break;
            case ClientCommand.Join join:
                // What to show is noted before the JOINs go out: the server's answers
                // are read on another thread and may come back at once.
                _rooms.Want(join.Rooms[^1]);
                foreach (var room in join.Rooms.SkipLast(1))
                {
                    _rooms.WantNames(room);
                }

                foreach (var room in join.Rooms)
                {
                    Client.Join(room);
                }

                break;
            case ClientCommand.Part part:
                Room(part.Room, room => Client.Part(room, part.Reason));
                break;
            case ClientCommand.SwitchRoom { Room: { } room }:
                Show(_rooms.SwitchTo(room) ? _text.Format("NowTalkingIn", _rooms.Current!) : _text.Format("NotInRoom", room));
                break;
            case ClientCommand.SwitchRoom { Next: true }:
                Show(_rooms.SwitchNext() is { } next ? _text.Format("NowTalkingIn", next) : _text["NoRoom"]);
                break;
            case ClientCommand.SwitchRoom:
                var joined = _rooms.Joined;
                Show(joined.Count == 0 || _rooms.Current is null
                    ? _text["NoRoom"]
                    : _text.Format("Rooms", string.Join(", ", joined), _rooms.Current));
                break;
            case ClientCommand.SendTo message:
                Client.SendMessage(message.Target, message.Text);
                Show(IrcValidation.IsChannel(message.Target)
                    ? (_rooms.IsCurrent(message.Target) ? "" : $"[{message.Target}] ") + $"{Client.Nick}: {message.Text}"
                    : _text.Format("PrivateTo", message.Target, message.Text));
                break;
            case ClientCommand.Me action:
                InRoom(room =>
                {
                    Client.SendAction(room, action.Text);
                    Show(_text.Format("Action", Client.Nick!, action.Text));
                });
                break;
            case ClientCommand.Names names:
                Room(names.Room, room =>
                {
                    _rooms.WantNames(room);
                    Client.Names(room);
                });
                break;
            case ClientCommand.Topic topic:
                Room(topic.Room, room => Client.Topic(room, topic.Text));
                break;
            case ClientCommand.ChangeNick nick:
                Client.ChangeNick(nick.NewNick);
                break;
            case ClientCommand.Away away:
                Client.Away(away.Message);
                break;
            case ClientCommand.Kick kick:
                InRoom(room => Client.KickUser(room, kick.Nick, kick.Reason));
                break;
            case ClientCommand.Help:
                ShowHelp();
                break;
            case ClientCommand.Usage usage:
                Show(_text.Format("UsageLine", _text[usage.Command.UsageKey]));
                break;
            case ClientCommand.Unknown unknown:
                Show(_text.Format("UnknownCommand", unknown.Word));
                break;
        }
    }

    /// <summary>The lines /help shows: a title, then one line per command.</summary>
    public IEnumerable<string> HelpLines()
    {
        yield return _text["HelpTitle"];
        foreach (var command in ClientCommands.All)
        {
            yield return string.Format(_text.Culture, "  {0,-26} {1}", _text[command.UsageKey], _text[command.HelpKey]);
        }
    }

    private void ShowHelp()
    {
        foreach (var line in HelpLines())
        {
            Show(line);
        }
    }

    private void Show(string line) => _view.ShowLine(line);

    /// <summary>Runs <paramref name="action"/> for the current room, or says there is none.</summary>
    private void InRoom(Action<string> action)
    {
        if (_rooms.Current is { } room)
        {
            action(room);
        }
        else
        {
            Show(_text["NoRoom"]);
        }
    }

    /// <summary>Runs <paramref name="action"/> for the room named, or the current one.</summary>
    private void Room(string? named, Action<string> action)
    {
        if (named is not null)
        {
            action(named);
        }
        else
        {
            InRoom(action);
        }
    }
}
