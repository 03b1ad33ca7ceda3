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
    private readonly HistoryView _history;

    public JoinSession(JoinOptions options, IChatView view)
    {
        _options = options;
        _view = view;
        _text = new ClientText(options.Culture);
        _history = new HistoryView(_text, options.Channel);
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
            client = await IrcChatClient.ConnectAsync(_options.Host, _options.Port, _options.ConnectTimeout, cancel).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            _view.ShowError(_text.Format("CannotConnect", $"{_options.Host}:{_options.Port}", ex.Message));
            return ExitCannotConnect;
        }

        await using (client.ConfigureAwait(false))
        {
            client.Auth = _options.Password is { } password ? new ClientAuth(password, _options.Register) : null;
            client.Register(alias);
            int? early = await WaitForRegistrationAsync(client, cancel).ConfigureAwait(false);
            if (early is not null)
            {
                return early.Value;
            }

            client.Join(_options.Channel);
            _view.ShowLine(_text.Format("Welcome", client.Nick!));
            _view.ShowLine(_text["HowToLeave"]);
            if (client.HasChatHistory && _options.HistoryLines > 0)
            {
                client.RequestHistory(_options.Channel, _options.HistoryLines);
            }

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
                    _view.ShowLine(Render(e)!);
                    break;
            }
        }

        return ExitConnectionLost;
    }

    private async Task<int> ChatAsync(IrcChatClient client, CancellationToken cancel)
    {
        using var stopInput = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var input = Task.Run(() => PumpInputAsync(client, stopInput.Token), CancellationToken.None);
        try
        {
            await foreach (var e in client.Events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (e is Disconnected gone)
                {
                    if (gone.Expected)
                    {
                        return ExitOk;
                    }

                    _view.ShowError(_text.Format("ConnectionLostBecause", gone.Reason));
                    return ExitConnectionLost;
                }

                if (_history.Render(e) is { } history)
                {
                    _view.ShowLine(history);
                }
                else if (Render(e, client) is { } line)
                {
                    _view.ShowLine(line);
                }
            }

            return ExitConnectionLost;
        }
        finally
        {
            stopInput.Cancel();
        }
    }

    private async Task PumpInputAsync(IrcChatClient client, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            string? line = await _view.ReadLineAsync(_text["Prompt"], cancel).ConfigureAwait(false);
            if (cancel.IsCancellationRequested)
            {
                return;
            }

            if (line is null || IsLeave(line))
            {
                client.Quit(line is null ? "Leaving" : "salir");

                // The server answers QUIT by closing; if it does not, stop anyway.
                await client.WaitClosedAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                await client.DisposeAsync().ConfigureAwait(false);
                return;
            }

            line = line.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            if (line.StartsWith('/'))
            {
                if (!HistoryView.TryCommand(line, client, _options, _history, _view, _text))
                {
                    _view.ShowLine(_text.Format("UnknownCommand", line.Split(' ')[0]));
                }

                continue;
            }

            client.SendMessage(_options.Channel, line);
        }
    }

    private static bool IsLeave(string line)
    {
        string word = line.Trim();
        return word.Equals("salir", StringComparison.OrdinalIgnoreCase)
            || word.Equals("/quit", StringComparison.OrdinalIgnoreCase)
            || word.StartsWith("/quit ", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The line a person sees for an event, or null for events not shown.</summary>
    public string? Render(ChatEvent e, IrcChatClient? client = null)
    {
        string? Room(string? channel) =>
            channel is null || IrcCaseMapping.Equals(channel, _options.Channel) ? "" : $"[{channel}] ";

        return e switch
        {
            MessageReceived { IsPrivate: true, IsNotice: false } m => _text.Format("Private", m.From, m.Text),
            MessageReceived { IsNotice: true } m => Room(m.IsPrivate ? null : m.Target) + _text.Format("Notice", m.From, m.Text),
            MessageReceived { IsAction: true } m => Room(m.Target) + _text.Format("Action", m.From, m.Text),
            MessageReceived m => $"{Room(m.Target)}{m.From}: {m.Text}",
            UserJoined { IsSelf: false } j => Room(j.Channel) + _text.Format("Joined", j.Nick),
            UserLeft { IsSelf: false } l => Room(l.Channel) + _text.Format("Left", l.Nick),
            NickChanged n => _text.Format("NickChange", n.OldNick, n.NewNick),
            LoggedIn l => _text.Format("LoggedIn", l.Account),
            LoginFailed f => _text.Format("LoginFailed", f.Reason),
            AccountRegistered r => _text.Format("AccountRegistered", r.Account),
            ServerNotice n => _text.Format("ServerNotice", n.Text),
            _ => null,
        };
    }
}
