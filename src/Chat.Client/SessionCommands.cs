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
    private readonly IrcChatClient _client;
    private readonly ChatRooms _rooms;
    private readonly IChatView _view;
    private readonly ClientText _text;

    public SessionCommands(IrcChatClient client, ChatRooms rooms, IChatView view, ClientText text)
    {
        _client = client;
        _rooms = rooms;
        _view = view;
        _text = text;
    }

    public void Run(ClientCommand command)
    {
        switch (command)
        {
            case ClientCommand.Say say:
                InRoom(room => _client.SendMessage(room, say.Text));
                break;
            case ClientCommand.Join join:
                foreach (var room in join.Rooms)
                {
                    _client.Join(room);
                }

                _rooms.Want(join.Rooms[^1]);
                foreach (var room in join.Rooms.SkipLast(1))
                {
                    _rooms.WantNames(room);
                }

                break;
            case ClientCommand.Part part:
                Room(part.Room, room => _client.Part(room, part.Reason));
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
                _client.SendMessage(message.Target, message.Text);
                Show(IrcValidation.IsChannel(message.Target)
                    ? (_rooms.IsCurrent(message.Target) ? "" : $"[{message.Target}] ") + $"{_client.Nick}: {message.Text}"
                    : _text.Format("PrivateTo", message.Target, message.Text));
                break;
            case ClientCommand.Me action:
                InRoom(room =>
                {
                    _client.SendAction(room, action.Text);
                    Show(_text.Format("Action", _client.Nick!, action.Text));
                });
                break;
            case ClientCommand.Names names:
                Room(names.Room, room =>
                {
                    _rooms.WantNames(room);
                    _client.Names(room);
                });
                break;
            case ClientCommand.Topic topic:
                Room(topic.Room, room => _client.Topic(room, topic.Text));
                break;
            case ClientCommand.ChangeNick nick:
                _client.ChangeNick(nick.NewNick);
                break;
            case ClientCommand.Away away:
                _client.Away(away.Message);
                break;
            case ClientCommand.Kick kick:
                InRoom(room => _client.KickUser(room, kick.Nick, kick.Reason));
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
