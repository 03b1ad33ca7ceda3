using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Chat.Core.Protocol;
using Chat.Core.Transport;

namespace Chat.Client;

/// <summary>
/// The client side of one IRC connection: registration, PING/PONG, and the
/// translation of what the server says into <see cref="ChatEvent"/>s. It works
/// with any IRC server and has no idea how events are shown.
/// </summary>
public sealed partial class IrcChatClient : ILineHandler, IAsyncDisposable
{
    // Verbs and numerics only the client reads; named as in RFC 2812.
    private const string Kick = "KICK";
    private const string RplAway = "301";
    private const string RplUnaway = "305";
    private const string RplNowAway = "306";

    private readonly LineConnection _connection;

    /// <summary>NAMES replies being collected until RPL_ENDOFNAMES; only the reader loop touches it.</summary>
    private readonly Dictionary<string, List<string>> _names = new(IrcCaseMapping.Comparer);
    private readonly Channel<ChatEvent> _events = Channel.CreateUnbounded<ChatEvent>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _run;
    private string? _serverError;
    private volatile bool _quitting;
    private bool _awaitingLogin;

    private IrcChatClient(LineConnection connection)
    {
        _connection = connection;
    }

    /// <summary>What happened, in order; completes after <see cref="Disconnected"/>.</summary>
    public ChannelReader<ChatEvent> Events => _events.Reader;

    /// <summary>Our nick as the server knows it (after registration), or the one we asked for.</summary>
    public string? Nick { get; private set; }

    public bool IsRegistered { get; private set; }

    /// <summary>Log in (and perhaps register) while connecting; set before <see cref="Register"/>.</summary>
    public ClientAuth? Auth { get; set; }

    /// <summary>The account we are logged in to, or null.</summary>
    public string? Account { get; private set; }

    /// <summary>Whether the server offers IRCv3 chathistory (and we enabled it).</summary>
    public bool HasChatHistory => CanFetchHistory;

    /// <summary>Whether the server offers draft/account-registration (REGISTER).</summary>
    public bool OffersRegistration => _offered.Contains("draft/account-registration");

    /// <summary>
    /// Connects; throws SocketException (or TimeoutException) when the server is not
    /// there. With <paramref name="tls"/>, over TLS: a refused certificate throws
    /// <see cref="CertificateRejectedException"/>, another handshake failure AuthenticationException or IOException.
    /// </summary>
    public static async Task<IrcChatClient> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancel = default, ClientTls? tls = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"No answer within {timeout.TotalSeconds:0} seconds");
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = tls is null
            ? LineConnection.FromSocket(socket)
            : await TlsConnection.OpenAsync(socket, host, tls, timeout, cancel).ConfigureAwait(false);
        var client = new IrcChatClient(connection);
        client._run = client.RunAsync();
        return client;
    }

    /// <summary>Starts registration: CAP LS 302 (so IRCv3 servers wait for us), NICK and USER.</summary>
    public void Register(string nick, string? realName = null)
    {
        Nick = nick;
        SendRaw(new IrcMessage(IrcCommands.Cap, "LS", "302"));
        SendRaw(new IrcMessage(IrcCommands.Nick, nick));
        SendRaw(new IrcMessage(IrcCommands.User, UserName(nick), "0", "*", realName ?? nick));
    }

    public void ChangeNick(string nick)
    {
        if (!IsRegistered)
        {
            Nick = nick;
        }

        SendRaw(new IrcMessage(IrcCommands.Nick, nick));
    }

    public void Join(string channel) => SendRaw(new IrcMessage(IrcCommands.Join, channel));

    public void Part(string channel, string? reason) =>
        SendRaw(reason is null ? new IrcMessage(IrcCommands.Part, channel) : new IrcMessage(IrcCommands.Part, channel, reason));

    /// <summary>Asks who is in a room; the answer arrives as one <see cref="NamesReceived"/>.</summary>
    public void Names(string channel) => SendRaw(new IrcMessage(IrcCommands.Names, channel));

    /// <summary>Asks for a room's topic (<paramref name="topic"/> null) or sets it; answers arrive as <see cref="TopicChanged"/>.</summary>
    public void Topic(string channel, string? topic) =>
        SendRaw(topic is null ? new IrcMessage(IrcCommands.Topic, channel) : new IrcMessage(IrcCommands.Topic, channel, topic));

    public void KickUser(string channel, string nick, string? reason) =>
        SendRaw(reason is null ? new IrcMessage(Kick, channel, nick) : new IrcMessage(Kick, channel, nick, reason));

    /// <summary>Marks us away with <paramref name="message"/>, or back with null; confirmed by <see cref="AwayChanged"/>.</summary>
    public void Away(string? message) =>
        SendRaw(message is null ? new IrcMessage(IrcCommands.Away) : new IrcMessage(IrcCommands.Away, message));
    /// <summary>CHATHISTORY LATEST (the last messages), or BEFORE a msgid or time when given.</summary>
    public void RequestHistory(string target, int limit, string? beforeMsgId = null, DateTimeOffset? beforeTime = null)
    {
        string reference = beforeMsgId is not null ? "msgid=" + beforeMsgId
            : beforeTime is { } t ? "timestamp=" + t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : "*";
        string verb = reference == "*" ? "LATEST" : "BEFORE";
        SendRaw(new IrcMessage("CHATHISTORY", verb, target, reference, limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Registers the current nick as an account: REGISTER when offered, NickServ otherwise.</summary>
    public void RegisterAccount(string password, string? email)
    {
        if (OffersRegistration)
        {
            SendRaw(new IrcMessage("REGISTER", "*", email ?? "*", password));
        }
        else
        {
            SendRaw(new IrcMessage(IrcCommands.Privmsg, "NickServ", email is null ? $"REGISTER {password}" : $"REGISTER {password} {email}"));
        }
    }

    /// <summary>Sends text to a room or a nick, split into as many PRIVMSGs as it takes to arrive whole.</summary>
    public void SendMessage(string target, string text, string command = IrcCommands.Privmsg)
    {
        foreach (var part in IrcText.SplitUtf8(text, RoomForText(target)))
        {
            SendRaw(new IrcMessage(command, target, part));
        }
    }

    /// <summary>Sends a CTCP ACTION ("/me waves"), split like <see cref="SendMessage"/>.</summary>
    public void SendAction(string target, string text)
    {
        foreach (var part in IrcText.SplitUtf8(text, RoomForText(target) - 9))
        {
            SendRaw(new IrcMessage(IrcCommands.Privmsg, target, $"\u0001ACTION {part}\u0001"));
        }
    }

    /// <summary>Bytes of text that fit in one message to <paramref name="target"/>.</summary>
    private int RoomForText(string target)
    {
        // What the server relays is ":nick!~user@host PRIVMSG target :text\r\n"; leave room for the prefix.
        int room = IrcLimits.MaxBody - 100 - Encoding.UTF8.GetByteCount(Nick ?? "") - Encoding.UTF8.GetByteCount(target);
        return Math.Max(room, 64);
    }

    /// <summary>Says goodbye; the server closes the connection after its reply.</summary>
    public void Quit(string reason)
    {
        _quitting = true;
        SendRaw(new IrcMessage(IrcCommands.Quit, reason));
    }

    public void SendRaw(IrcMessage message) => _connection.Send(IrcWriter.ToBytes(message));

    /// <summary>Waits for the connection to end, at most <paramref name="timeout"/>.</summary>
    public async Task WaitClosedAsync(TimeSpan timeout)
    {
        if (_run is not null)
        {
            await Task.WhenAny(_run, Task.Delay(timeout)).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _connection.Close("Client closed");
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }
    }

    private static string UserName(string nick)
    {
        var ascii = new string(nick.Where(c => char.IsAsciiLetterOrDigit(c)).Take(9).ToArray());
        return ascii.Length > 0 ? ascii : "chat";
    }

    private async Task RunAsync()
    {
        string reason;
        try
        {
            reason = await _connection.RunAsync(this).ConfigureAwait(false);
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        _events.Writer.TryWrite(new Disconnected(_serverError ?? reason, _quitting));
        _events.Writer.TryComplete();
    }

    ValueTask ILineHandler.OnLineAsync(ReadOnlySequence<byte> line)
    {
        ReadOnlySpan<byte> span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (IrcParser.TryParse(span, out var message) == IrcParseError.None)
        {
            Handle(message!);
        }

        return ValueTask.CompletedTask;
    }

    void ILineHandler.OnLineTooLong()
    {
    }

    private bool IsMe(string? nick) => nick is not null && Nick is not null && IrcCaseMapping.Equals(nick, Nick);

    private void Emit(ChatEvent e) => _events.Writer.TryWrite(e);

    private void Handle(IrcMessage m)
    {
        string? from = m.SourceNick;
        switch (m.Command.ToUpperInvariant())
        {
            case IrcCommands.Ping:
                SendRaw(new IrcMessage(IrcCommands.Pong, m.Param(0) ?? ""));
                break;
            case IrcCommands.Cap:
                HandleCap(m);
                break;
            case IrcCommands.Authenticate when _awaitingLogin && m.Param(0) == "+" && Auth is { } auth:
                string user = Nick ?? "";
                SendRaw(new IrcMessage(IrcCommands.Authenticate, Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}\0{user}\0{auth.Password}"))));
                break;
            case "900":
                Account = m.Param(2);
                Emit(new LoggedIn(Account ?? ""));
                break;
            case "903":
                EndLogin();
                break;
            case "904" or "905" or "906" or "907" when _awaitingLogin:
                Emit(new LoginFailed(m.Parameters[^1]));
                EndLogin();
                break;
            case "REGISTER" when m.Param(0) == "SUCCESS":
                Emit(new AccountRegistered(m.Param(1) ?? ""));
                EndLogin();
                break;
            case "FAIL" when _awaitingLogin && m.Param(0) == "REGISTER":
                Emit(new LoginFailed(m.Parameters[^1]));
                EndLogin();
                break;
            case IrcCommands.Batch:
                HandleBatch(m);
                break;
            case Numerics.RPL_WELCOME:
                IsRegistered = true;
                Nick = m.Param(0) ?? Nick;
                Emit(new Registered(Nick!));
                if (Auth is { } late && Account is null && !_offered.Contains("sasl"))
                {
                    // No SASL here: NickServ is the usual way.
                    SendRaw(new IrcMessage(IrcCommands.Privmsg, "NickServ", late.Register ? $"REGISTER {late.Password}" : $"IDENTIFY {Nick} {late.Password}"));
                }

                break;
            case Numerics.ERR_NICKNAMEINUSE:
            case Numerics.ERR_ERRONEUSNICKNAME:
                Emit(new NickRejected(m.Param(1) ?? Nick ?? "", m.Command == Numerics.ERR_NICKNAMEINUSE));
                break;
            case IrcCommands.Privmsg:
            case IrcCommands.Notice:
                HandleMessage(m, from);
                break;
            case IrcCommands.Join when m.Param(0) is { } channel:
                Emit(new UserJoined(from ?? "?", channel, IsMe(from)));
                break;
            case IrcCommands.Part when m.Param(0) is { } channel:
                Emit(new UserLeft(from ?? "?", channel, m.Param(1), IsMe(from)));
                break;
            case IrcCommands.Quit:
                Emit(new UserLeft(from ?? "?", null, m.Param(0), IsMe(from)));
                break;
            case IrcCommands.Nick when m.Param(0) is { } newNick:
                bool self = IsMe(from);
                if (self)
                {
                    Nick = newNick;
                }

                Emit(new NickChanged(from ?? "?", newNick, self));
                break;
            case Kick when m.Param(1) is { } kicked:
                Emit(new UserKicked(kicked, m.Param(0)!, from ?? "?", NonEmpty(m.Param(2)), IsMe(kicked)));
                break;
            case IrcCommands.Topic when m.Param(0) is { } channel:
                Emit(new TopicChanged(channel, m.Param(1) ?? "", from ?? "?"));
                break;
            case Numerics.RPL_TOPIC when m.Parameters.Count >= 3:
                Emit(new TopicChanged(m.Parameters[1], m.Parameters[2], null));
                break;
            case Numerics.RPL_NOTOPIC when m.Parameters.Count >= 2:
                Emit(new TopicChanged(m.Parameters[1], null, null));
                break;
            case Numerics.RPL_NAMREPLY:
                CollectNames(m);
                break;
            case Numerics.RPL_ENDOFNAMES when m.Parameters.Count >= 2:
                string room = m.Parameters[1];
                _names.Remove(room, out var names);
                Emit(new NamesReceived(room, names ?? []));
                break;
            case RplNowAway:
            case RplUnaway:
                Emit(new AwayChanged(m.Command == RplNowAway));
                break;
            case RplAway when m.Parameters.Count >= 3:
                Emit(new UserAway(m.Parameters[1], m.Parameters[2]));
                break;
            case IrcCommands.Error:
                _serverError = m.Param(0);
                break;
            case "FAIL":
                Emit(new ServerNotice(m.Parameters[^1]));
                break;
            default:
                if (Numerics.IsNumeric(m.Command) && m.Command[0] is '4' or '5' && m.Parameters.Count > 0)
                {
                    // Error replies: "<nick> [subject] :text" is shown as "subject: text".
                    string text = m.Parameters[^1];
                    string subject = m.Parameters.Count > 2 ? m.Parameters[1] + ": " : "";
                    Emit(new ServerNotice(subject + text));
                }

                break;
        }
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    /// <summary>RPL_NAMREPLY is "me [=*@] #room :names..."; RFC 1459 servers leave out the symbol.</summary>
    private void CollectNames(IrcMessage m)
    {
        if (m.Parameters.Count < 3)
        {
            return;
        }

        string room = m.Parameters[^2];
        if (!_names.TryGetValue(room, out var list))
        {
            _names[room] = list = [];
        }

        foreach (var entry in m.Parameters[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // userhost-in-names gives "nick!user@host": keep the nick with its prefixes.
            int bang = entry.IndexOf('!');
            list.Add(bang < 0 ? entry : entry[..bang]);
        }
    }

    private void EndLogin()
    {
        if (_awaitingLogin)
        {
            _awaitingLogin = false;
            if (!IsRegistered)
            {
                SendRaw(new IrcMessage(IrcCommands.Cap, "END"));
            }
        }
    }

    private void HandleMessage(IrcMessage m, string? from) => LiveMessage(m, from);

    private void LiveMessage(IrcMessage m, string? from)
    {
        string target = m.Param(0) ?? "";
        string text = m.Param(1) ?? "";
        bool notice = m.Is(IrcCommands.Notice);
        bool fromServer = from is null || !(m.Source ?? "").Contains('!');
        if (fromServer)
        {
            Emit(new ServerNotice(text));
            return;
        }

        bool action = false;
        if (text.Length > 1 && text[0] == '\u0001')
        {
            string ctcp = text.Trim('\u0001');
            if (ctcp.StartsWith("ACTION ", StringComparison.Ordinal))
            {
                action = true;
                text = ctcp[7..];
            }
            else
            {
                if (!notice && !IsHistory(m))
                {
                    AnswerCtcp(from!, ctcp);
                }

                return;
            }
        }

        Emit(new MessageReceived(from!, target, text, IsPrivate: !IrcValidation.IsChannel(target), notice, action)
        {
            Time = ServerTime(m),
            MsgId = m.Tags.GetValueOrDefault("msgid"),
            IsHistory = IsHistory(m),
        });
    }

    private void AnswerCtcp(string from, string ctcp)
    {
        string verb = ctcp.Split(' ', 2)[0].ToUpperInvariant();
        string? answer = verb switch
        {
            "VERSION" => "VERSION chat " + typeof(IrcChatClient).Assembly.GetName().Version?.ToString(3),
            "PING" => ctcp,
            _ => null,
        };

        if (answer is not null)
        {
            SendRaw(new IrcMessage(IrcCommands.Notice, from, $"\u0001{answer}\u0001"));
        }
    }
}
