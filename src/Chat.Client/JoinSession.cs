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
            client = await IrcChatClient.ConnectAsync(_options.Host, _options.Port, _options.ConnectTimeout, cancel, _options.Tls).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException or IOException or System.Security.Authentication.AuthenticationException or CertificateRejectedException)
        {
            string why = ex switch
            {
                CertificateRejectedException { Problem: "fingerprint" } => _text["CertificateFingerprint"],
                CertificateRejectedException rejected => _text.Format("CertificateNotTrusted", rejected.Problem),
                _ => ex.Message,
            };
            _view.ShowError(_text.Format("CannotConnect", $"{_options.Host}:{_options.Port}", why));
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
        var rooms = new ChatRooms(_options.Channel);
        var shown = new EventText(_text, rooms);
        var commands = new SessionCommands(client, rooms, _view, _text);
        using var stopInput = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var input = Task.Run(() => PumpInputAsync(client, commands, stopInput.Token), CancellationToken.None);
        bool welcomed = false;
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

                if (!welcomed && IsOwnJoin(e))
                {
                    // Only now is the user in the room: from here on nothing said there is missed.
                    welcomed = true;
                    _view.ShowLine(_text.Format("Welcome", client.Nick!));
                    _view.ShowLine(_text["HowToLeave"]);
                    if (client.HasChatHistory && _options.HistoryLines > 0)
                    {
                        client.RequestHistory(_options.Channel, _options.HistoryLines);
                    }
                }

                if (_history.Render(e) is { } history)
                {
                    _view.ShowLine(history);
                    continue;
                }

                foreach (var line in shown.Lines(e))
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

    private async Task PumpInputAsync(IrcChatClient client, SessionCommands commands, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            string? line = await _view.ReadLineAsync(_text["Prompt"], cancel).ConfigureAwait(false);
            if (cancel.IsCancellationRequested)
            {
                return;
            }

            if (line is not null && line.TrimStart().StartsWith('/') && HistoryView.TryCommand(line.Trim(), client, _options, _history, _view, _text))
            {
                // /history and /register.
                continue;
            }

            var command = line is null ? new ClientCommand.Leave("Leaving") : ClientCommands.Parse(line);
            if (command is ClientCommand.Leave leave)
            {
                client.Quit(leave.Reason);

                // The server answers QUIT by closing; if it does not, stop anyway.
                await client.WaitClosedAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                await client.DisposeAsync().ConfigureAwait(false);
                return;
            }

            commands.Run(command);
        }
    }

    /// <summary>True for the server's echo of our own JOIN to the room we asked for.</summary>
    private bool IsOwnJoin(ChatEvent e) =>
        e is UserJoined { IsSelf: true } joined && IrcCaseMapping.Equals(joined.Channel, _options.Channel);
}
