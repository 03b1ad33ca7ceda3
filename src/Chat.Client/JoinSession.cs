using System.Net.Sockets;
using Chat.Client.Resources;
using Chat.Client.Terminal;
using Chat.Core.Protocol;

namespace Chat.Client;

/// <summary>
/// The whole of `chat join`: ask for an alias, connect, register (asking again
/// while the alias is taken), join the room, then relay typed lines to the room
/// and show what happens there until the user leaves or the connection is lost.
/// </summary>
public sealed class JoinSession
{
    /// <summary>Exit code when the user left.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code when the server could not be reached or no alias was given.</summary>
    public const int ExitCannotConnect = 1;

    /// <summary>Exit code when an established connection was lost.</summary>
    public const int ExitConnectionLost = 2;

    private readonly JoinOptions _options;
    private readonly IChatView _view;
    private readonly ClientText _text;
    private readonly ChatRooms _rooms;
    private readonly EventText _shown;
    private readonly HistoryView _history;
    private readonly RoomMembers _members = new();

    /// <summary>Completed when the user leaves ('salir', /quit, end of input), even while disconnected.</summary>
    private readonly TaskCompletionSource _leave = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Per room, the server-time of the newest message seen: where CHATHISTORY AFTER starts after a reconnect.</summary>
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(IrcCaseMapping.Comparer);

    /// <summary>Ids of messages shown, so history fetched again is not shown twice (the newest 5000).</summary>
    private readonly HashSet<string> _seenIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();

    /// <summary>Rooms rejoined after a reconnect whose missed messages are still to be fetched or shown.</summary>
    private readonly HashSet<string> _catchUp = new(IrcCaseMapping.Comparer);

    /// <summary>Rooms whose missed messages were fetched after a reconnect: those messages are new to the user, so they count as unread.</summary>
    private readonly HashSet<string> _caughtUp = new(IrcCaseMapping.Comparer);
    private DateTimeOffset? _lastAny;
    private DateTimeOffset _lostAt;
    private volatile IrcChatClient? _client;
    private volatile string _connection = "";
    private bool _welcomed;

    public JoinSession(JoinOptions options, IChatView view)
    {
        _options = options;
        _view = view;
        _text = new ClientText(options.Culture);
        _rooms = new ChatRooms(options.Channel);
        _shown = new EventText(_text, _rooms);
        _history = new HistoryView(_text);
    }

    public async Task<int> RunAsync(CancellationToken cancel = default)
    {
        string? alias = _options.Alias;
        if (alias is null || !IrcValidation.IsValidNick(alias))
        {
            if (alias is not null)
            {
                _view.ShowLine(_text.Format("AliasInvalid", alias));
            }

            alias = await AskAliasAsync(cancel).ConfigureAwait(false);
            if (alias is null)
            {
                _view.ShowError(_text["NoAlias"]);
                return ExitCannotConnect;
            }
        }

        IrcChatClient client;
        try
        {
            client = await IrcChatClient.ConnectAsync(_options.Host, _options.Port, _options.ConnectTimeout, cancel, _options.Tls).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectFailure(ex))
        {
            _view.ShowError(_text.Format("CannotConnect", $"{_options.Host}:{_options.Port}", WhyNotConnected(ex)));
            return ExitCannotConnect;
        }

        await using (client.ConfigureAwait(false))
        {
            client.Auth = Auth();
            client.Register(alias);
            int? early = await WaitForRegistrationAsync(client, cancel).ConfigureAwait(false);
            if (early is not null)
            {
                return early.Value;
            }

            client.Join(_options.Channel);
            return await ChatAsync(client, cancel).ConfigureAwait(false);
        }
    }

    private async Task<string?> AskAliasAsync(CancellationToken cancel)
    {
        while (true)
        {
            string? line = await _view.ReadLineAsync(_text["EnterName"], cancel).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }

            line = line.Trim();
            if (IrcValidation.IsValidNick(line))
            {
                return line;
            }

            if (line.Length > 0)
            {
                _view.ShowLine(_text.Format("AliasInvalid", line));
            }
        }
    }

    /// <summary>Null once registered; otherwise the exit code to stop with.</summary>
    private async Task<int?> WaitForRegistrationAsync(IrcChatClient client, CancellationToken cancel)
    {
        await foreach (var e in client.Events.ReadAllAsync(cancel).ConfigureAwait(false))
        {
            switch (e)
            {
                case Registered:
                    return null;
                case NickRejected rejected:
                    _view.ShowLine(_text.Format(rejected.InUse ? "AliasInUse" : "AliasInvalid", rejected.Nick));
                    string? next = await AskAliasAsync(cancel).ConfigureAwait(false);
                    if (next is null)
                    {
                        client.Quit("Leaving");
                        _view.ShowError(_text["NoAlias"]);
                        return ExitCannotConnect;
                    }

                    client.ChangeNick(next);
                    break;
                case Disconnected lost:
                    _view.ShowError(_text.Format("ConnectionLostBecause", lost.Reason));
                    return ExitConnectionLost;
                case LoggedIn or LoginFailed or AccountRegistered:
                    // Logging in happens before registration completes.
                    _view.ShowLine(EventText.AccountLine(_text, e)!);
                    break;
            }
        }

        return ExitConnectionLost;
    }

    private async Task<int> ChatAsync(IrcChatClient client, CancellationToken cancel)
    {
        var commands = new SessionCommands(client, _rooms, _view, _text) { Echo = _shown };
        _view.SetCompletion(() => _members.In(_rooms.Current), CommandWords());
        _connection = _text["StatusConnected"];
        _client = client;
        UpdateStatus();
        using var stopInput = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var input = Task.Run(() => PumpInputAsync(commands, stopInput.Token), CancellationToken.None);
        try
        {
            while (true)
            {
                var gone = await PumpEventsAsync(client).ConfigureAwait(false);
                if (gone?.Expected == true || _leave.Task.IsCompleted)
                {
                    return ExitOk;
                }

                string reason = gone?.Reason ?? "";
                commands.Connected = false;
                _members.Clear();
                if (!_options.Reconnect)
                {
                    _view.ShowError(_text.Format("ConnectionLostBecause", reason));
                    return ExitConnectionLost;
                }

                _view.ShowLine(_text.Format("ServerNotice", _text.Format("ConnectionLostBecause", reason)));
                string nick = client.Nick ?? _options.Alias ?? "chat";
                await client.DisposeAsync().ConfigureAwait(false);
                var next = await ReconnectAsync(nick, cancel).ConfigureAwait(false);
                if (next is null)
                {
                    if (_leave.Task.IsCompleted || cancel.IsCancellationRequested)
                    {
                        return ExitOk;
                    }

                    _view.ShowError(_text.Format("ConnectionLostBecause", reason));
                    return ExitConnectionLost;
                }

                client = next;
                _client = next;
                commands.Client = next;
                commands.Connected = true;
                foreach (string room in _rooms.Joined)
                {
                    lock (_catchUp)
                    {
                        _catchUp.Add(room);
                    }

                    next.Join(room);
                }

                UpdateStatus();
            }
        }
        finally
        {
            stopInput.Cancel();
        }
    }

    /// <summary>Shows what happens on <paramref name="client"/> until it ends; the Disconnected event (null if none came).</summary>
    private async Task<Disconnected?> PumpEventsAsync(IrcChatClient client)
    {
        await foreach (var e in client.Events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (e is Disconnected gone)
            {
                return gone;
            }

            if (!_welcomed && IsOwnJoin(e))
            {
                // Only now is the user in the room: from here on nothing said there is missed.
                _welcomed = true;
                _view.ShowLine(_text.Format("Welcome", client.Nick!));
                _view.ShowLine(_text["HowToLeave"]);
            }

            if (e is MessageReceived message)
            {
                if (!Remember(message))
                {
                    continue; // Fetched again after a reconnect: already shown.
                }

                _history.Saw(message);
            }

            if (_history.Render(e) is { } frame)
            {
                _view.ShowLine(frame);
                continue;
            }

            _members.Apply(e);
            foreach (var line in _shown.Show(e))
            {
                _view.Show(line);
            }

            switch (e)
            {
                case MessageReceived { IsPrivate: false, IsHistory: false } m:
                    _rooms.CountUnread(m.Target);
                    break;
                case MessageReceived { IsPrivate: false, IsHistory: true } m when CaughtUp(m.Target):
                    _rooms.CountUnread(m.Target);
                    break;
                case UserJoined { IsSelf: true } joined:
                    FetchHistory(client, joined.Channel);
                    break;
            }

            UpdateStatus();
        }

        return null;
    }

    /// <summary>
    /// After our JOIN on a server with chathistory: what was missed since the last
    /// message seen there (after a reconnect), or the last few messages (a first
    /// join: such servers leave fetching them to the client).
    /// </summary>
    private void FetchHistory(IrcChatClient client, string room)
    {
        if (!client.CanFetchHistory)
        {
            return;
        }

        bool catchingUp;
        lock (_catchUp)
        {
            catchingUp = _catchUp.Remove(room);
        }

        if (catchingUp)
        {
            lock (_catchUp)
            {
                _caughtUp.Add(room);
            }

            DateTimeOffset since;
            lock (_lastSeen)
            {
                since = _lastSeen.TryGetValue(room, out var seen) ? seen : _lastAny ?? _lostAt;
            }

            client.FetchHistoryAfter(room, since);
        }
        else if (_options.HistoryOnJoin > 0)
        {
            client.FetchLatestHistory(room, _options.HistoryOnJoin);
        }
    }

    private bool CaughtUp(string room)
    {
        lock (_catchUp)
        {
            return _caughtUp.Contains(room);
        }
    }

    /// <summary>Notes the message's server time and id; false when its id was seen before.</summary>
    private bool Remember(MessageReceived m)
    {
        lock (_lastSeen)
        {
            if (m.Time is { } time)
            {
                if (!m.IsPrivate && (!_lastSeen.TryGetValue(m.Target, out var last) || time > last))
                {
                    _lastSeen[m.Target] = time;
                }

                if (_lastAny is null || time > _lastAny)
                {
                    _lastAny = time;
                }
            }

            if (m.MsgId is not { } id)
            {
                return true;
            }

            if (!_seenIds.Add(id))
            {
                return false;
            }

            _seenOrder.Enqueue(id);
            if (_seenOrder.Count > 5000)
            {
                _seenIds.Remove(_seenOrder.Dequeue());
            }

            return true;
        }
    }

    /// <summary>
    /// Connects again after a loss: waits 1 s, 2 s, 4 s... (at most 30 s) between
    /// attempts with a countdown in the status line and one line per attempt,
    /// registers with the same nick (a suffixed one while it is taken). Null when
    /// the user left, or, with redirected input or output, after the last attempt.
    /// </summary>
    private async Task<IrcChatClient?> ReconnectAsync(string nick, CancellationToken cancel)
    {
        _lostAt = DateTimeOffset.UtcNow;
        var delay = _options.ReconnectDelay;
        for (int attempt = 1; ; attempt++)
        {
            int seconds = (int)Math.Ceiling(delay.TotalSeconds);
            _view.ShowLine(_text.Format("ReconnectAttempt", seconds, attempt));
            for (var left = delay; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(1))
            {
                _connection = _text.Format("StatusReconnecting", (int)Math.Ceiling(left.TotalSeconds));
                UpdateStatus();
                var tick = left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
                await Task.WhenAny(Task.Delay(tick, CancellationToken.None), _leave.Task).ConfigureAwait(false);
                if (_leave.Task.IsCompleted || cancel.IsCancellationRequested)
                {
                    return null;
                }
            }

            _connection = _text["StatusConnecting"];
            UpdateStatus();
            var client = await TryConnectAsync(nick, cancel).ConfigureAwait(false);
            if (client is not null)
            {
                if (_leave.Task.IsCompleted)
                {
                    client.Quit("Leaving");
                    await client.DisposeAsync().ConfigureAwait(false);
                    return null;
                }

                _connection = _text["StatusConnected"];
                _view.ShowLine(_text.Format("Reconnected", client.Nick!));
                return client;
            }

            if (!_view.IsInteractive && attempt >= _options.PlainReconnectAttempts)
            {
                return null;
            }

            delay = delay * 2 > _options.MaxReconnectDelay ? _options.MaxReconnectDelay : delay * 2;
        }
    }

    /// <summary>One attempt: connect and register; null (and a line saying why) when it did not work.</summary>
    private async Task<IrcChatClient?> TryConnectAsync(string nick, CancellationToken cancel)
    {
        IrcChatClient client;
        try
        {
            client = await IrcChatClient.ConnectAsync(_options.Host, _options.Port, _options.ConnectTimeout, cancel, _options.Tls).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectFailure(ex))
        {
            _view.ShowLine(_text.Format("ReconnectFailed", WhyNotConnected(ex)));
            return null;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(_options.ConnectTimeout);

        // Logging in again, never registering twice.
        client.Auth = _options.Password is { } password ? new ClientAuth(password, Register: false) : null;
        client.Register(nick);
        int tries = 0;
        try
        {
            await foreach (var e in client.Events.ReadAllAsync(limit.Token).ConfigureAwait(false))
            {
                switch (e)
                {
                    case Registered:
                        return client;
                    case NickRejected when ++tries <= 5:
                        client.ChangeNick(Suffixed(nick, tries));
                        break;
                    case NickRejected:
                        client.Quit("Leaving");
                        break;
                    case Disconnected gone:
                        _view.ShowLine(_text.Format("ReconnectFailed", gone.Reason));
                        await client.DisposeAsync().ConfigureAwait(false);
                        return null;
                }
            }
        }
        catch (OperationCanceledException)
        {
            _view.ShowLine(_text.Format("ReconnectFailed", "no answer"));
        }

        await client.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    /// <summary>Nicks to try while ours is still taken (the server has not noticed the old connection died): Juan_, Juan2, Juan3...</summary>
    internal static string Suffixed(string nick, int attempt) =>
        attempt == 1 ? nick + "_" : nick[..Math.Min(nick.Length, 8)] + attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void UpdateStatus() =>
        _view.SetStatus(new ChatStatus(_client?.Nick, _rooms.Current, _rooms.Statuses(), _connection));

    /// <summary>The /commands Tab completes.</summary>
    private static IReadOnlyList<string> CommandWords() =>
        [.. ClientCommands.All.SelectMany(c => c.Aliases.Prepend(c.Name)).Where(w => char.IsLetter(w[0])).Select(w => "/" + w)];

    private async Task PumpInputAsync(SessionCommands commands, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            string? line = await _view.ReadLineAsync(_text["Prompt"], cancel).ConfigureAwait(false);
            if (cancel.IsCancellationRequested)
            {
                return;
            }

            if (line is not null && line.TrimStart().StartsWith('/') && commands.Connected
                && _history.TryCommand(line.Trim(), commands.Client, _options.HistoryOnJoin, _rooms.Current, _view))
            {
                // /history and /register.
                continue;
            }

            var command = line is null ? new ClientCommand.Leave("Leaving") : ClientCommands.Parse(line);
            if (command is ClientCommand.Leave leave)
            {
                _leave.TrySetResult();
                var client = commands.Client;
                if (commands.Connected)
                {
                    client.Quit(leave.Reason);

                    // The server answers QUIT by closing; if it does not, stop anyway.
                    await client.WaitClosedAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                    await client.DisposeAsync().ConfigureAwait(false);
                }

                return;
            }

            commands.Run(command);
            UpdateStatus();
        }
    }

    /// <summary>What to log in (or register) with while connecting, from --password and --register.</summary>
    private ClientAuth? Auth() => _options.Password is { } password ? new ClientAuth(password, _options.Register) : null;

    private static bool IsConnectFailure(Exception ex) =>
        ex is SocketException or TimeoutException or IOException or System.Security.Authentication.AuthenticationException or CertificateRejectedException;

    /// <summary>Why a connection attempt failed, in one line (certificate problems in the user's language).</summary>
    private string WhyNotConnected(Exception ex) => ex switch
    {
        CertificateRejectedException { Problem: "fingerprint" } => _text["CertificateFingerprint"],
        CertificateRejectedException rejected => _text.Format("CertificateNotTrusted", rejected.Problem),
        _ => ex.Message,
    };

    /// <summary>True for the server's echo of our own JOIN to the room we asked for.</summary>
    private bool IsOwnJoin(ChatEvent e) =>
        e is UserJoined { IsSelf: true } joined && IrcCaseMapping.Equals(joined.Channel, _options.Channel);
}
