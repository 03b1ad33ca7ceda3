using System.Buffers;
using System.Net;
using Chat.Core.Protocol;
using Chat.Core.Transport;
using Chat.Server.Storage;

namespace Chat.Server;

/// <summary>
/// One connected user: an IRC client or a plain-text user. It receives its lines
/// from its <see cref="LineConnection"/> one at a time and hands them to the
/// command table or to plain mode; it never touches the socket itself.
/// </summary>
public sealed partial class Client : ILineHandler
{
    // Null for a user of another cluster node (see Cluster/ClusterNode): lines to it go nowhere.
    private readonly LineConnection? _connection;
    private bool _modeDecided;
    private LabeledResponse? _labeled;
    private Limits.FakeLag? _lag;
    private int _linesBeforeRegistration;
    private long _lastActivity;
    private long _pingSent;
    private Task _deferred = Task.CompletedTask;

    // Whether everything in _deferred is messages whose store runs their deliveries in queue order (see AfterStored).
    private bool _deferredInStoreOrder;

    // Deferred works not yet done (see After): counted up by the reader, down by
    // the chain as each finishes, hence Interlocked.
    private int _unsettled;

    internal Client(ChatServer server, LineConnection connection)
    {
        Server = server;
        _connection = connection;
        Host = HostNames.For((connection.RemoteEndPoint as IPEndPoint)?.Address);
        ConnectedAt = DateTimeOffset.UtcNow;
        Touch();
    }

    // Cluster hook: a user connected to another node, with no connection here.
    internal Client(ChatServer server, string node, string clusterId)
    {
        Server = server;
        Host = "unknown";
        ConnectedAt = DateTimeOffset.UtcNow;
        RemoteNode = node;
        ClusterId = clusterId;
        IsRegistered = true;
        Touch();
    }

    public ChatServer Server { get; }

    /// <summary>The cluster node this user is connected to, or null for a user of this server.</summary>
    public string? RemoteNode { get; }

    /// <summary>Whether the user is connected to another cluster node.</summary>
    public bool IsRemote => RemoteNode is not null;

    /// <summary>The user's id in the cluster's shared presence; null when not in a cluster.</summary>
    internal string? ClusterId { get; set; }

    /// <summary>"address:port" of the peer (the node, for a remote user), for logs; made when asked, not kept.</summary>
    public string Endpoint => RemoteNode ?? (_connection?.RemoteEndPoint is IPEndPoint endpoint ? $"{endpoint.Address}:{endpoint.Port}" : "unknown");

    /// <summary>The host part of the client's prefix.</summary>
    public string Host { get; internal set; }

    /// <summary>Set through <see cref="ServerState.TryClaimNick"/> only.</summary>
    public string? Nick { get; internal set; }

    public string User { get; internal set; } = "*";

    public string RealName { get; internal set; } = "";

    /// <summary>Whether USER has been given.</summary>
    public bool HasUser { get; internal set; }

    public bool IsRegistered { get; internal set; }

    /// <summary>The address whose per-IP count this session releases when it ends (see ChatServer.StartSession).</summary>
    internal IPAddress? Throttled { get; init; }

    /// <summary>Completed when the session has ended, for a transport that waits on it (WebSockets).</summary>
    internal TaskCompletionSource? SessionEnded { get; init; }

    /// <summary>Whether the connection is encrypted (TLS, or a WebSocket over HTTPS).</summary>
    public bool IsSecure { get; internal init; }

    /// <summary>Connected through the web server's WebSocket endpoint; such clients are always IRC.</summary>
    public bool IsWebSocket { get; internal init; }

    /// <summary>Whether this connection may send a password to log in, given <see cref="ServerOptions.RequireTlsForLogin"/>.</summary>
    public bool MayLogIn => IsSecure || !Server.Options.RequireTlsForLogin;

    /// <summary>A plain-text user (netcat, telnet, the original socket clients).</summary>
    public bool IsPlain { get; private set; }

    /// <summary>CAP LS or REQ was sent and CAP END not yet: registration waits.</summary>
    public bool CapNegotiating { get; internal set; }

    /// <summary>User mode +i.</summary>
    public bool Invisible { get; internal set; }

    /// <summary>Capabilities enabled with CAP REQ; changed only by this client's own commands.</summary>
    public Cap Caps { get; internal set; }

    /// <summary>The CAP LS version the client spoke (0 before CAP LS, 301 for a plain LS).</summary>
    public int CapVersion { get; internal set; }

    /// <summary>The account the client is logged in to, or null.</summary>
    public string? Account { get; internal set; }

    /// <summary>The away message, or null when present.</summary>
    public string? AwayMessage { get; internal set; }

    public bool Has(Cap cap) => (Caps & cap) == cap;

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Rooms this client is in; read and changed under the server's gate.</summary>
    /// <remarks>Made on first use: an idle client that never joins holds no set.</remarks>
    internal HashSet<Channel> Channels =>
        Volatile.Read(ref _channels) ?? Interlocked.CompareExchange(ref _channels, new HashSet<Channel>(), null) ?? _channels;

    private HashSet<Channel>? _channels;

    public string NickOrStar => Nick ?? "*";

    public string Prefix => $"{Nick}!{User}@{Host}";

    public string? CloseReason => _connection?.CloseReason;

    internal TimeSpan Idle => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastActivity));

    /// <summary>How long an unanswered PING has been waiting, or null.</summary>
    internal TimeSpan? PingOutstanding
    {
        get
        {
            long sent = Volatile.Read(ref _pingSent);
            return sent == 0 ? null : TimeSpan.FromMilliseconds(Environment.TickCount64 - sent);
        }
    }

    /// <summary>
    /// Queues one IRC message for this client, with a server-time tag when it
    /// asked for them. While a labeled command runs, its replies are held back
    /// so they can be labeled (see <see cref="LabeledResponse"/>).
    /// </summary>
    public void Send(IrcMessage message)
    {
        if (Has(Cap.ServerTime) && !message.Tags.ContainsKey("time"))
        {
            var tags = new Dictionary<string, string>(message.Tags, StringComparer.Ordinal)
            {
                ["time"] = Outgoing.FormatTime(DateTimeOffset.UtcNow),
            };
            message = message.WithTags(tags);
        }

        if (_labeled?.TryCapture(message) == true)
        {
            return;
        }

        _connection?.Send(IrcWriter.ToBytes(message));
    }

    /// <summary>Sends a standard reply (FAIL, WARN or NOTE): command, code, context and a description.</summary>
    public void SendStandardReply(string kind, string command, string code, params string[] contextAndDescription)
    {
        var ps = new List<string>(contextAndDescription.Length + 2) { IrcText.Echo(command), code };
        for (int i = 0; i < contextAndDescription.Length; i++)
        {
            // Context often echoes input; only the description may hold spaces.
            ps.Add(i < contextAndDescription.Length - 1 ? IrcText.Echo(contextAndDescription[i]) : contextAndDescription[i]);
        }

        Send(new IrcMessage(null, Server.Name, kind, ps));
    }

    /// <summary>
    /// Queues a numeric reply from the server, addressed to this client. Middle
    /// parameters often echo what the client sent (a nick, a channel, a command);
    /// any that could not stand as a middle parameter becomes "*", so no input
    /// can make a reply malformed.
    /// </summary>
    public void SendNumeric(string numeric, params string[] parameters)
    {
        var all = new string[parameters.Length + 1];
        all[0] = NickOrStar;
        for (int i = 0; i < parameters.Length; i++)
        {
            all[i + 1] = i < parameters.Length - 1 ? IrcText.Echo(parameters[i]) : parameters[i];
        }

        Send(new IrcMessage(null, Server.Name, numeric, all));
    }

    /// <summary>A NOTICE from the server; plain users see it as a "***" line.</summary>
    public void SendServerNotice(string text)
    {
        if (IsPlain)
        {
            SendPlain(Server.Text.Format("PlainServerNotice", text));
        }
        else
        {
            Send(new IrcMessage(null, Server.Name, IrcCommands.Notice, [NickOrStar, text]));
        }
    }

    /// <summary>A line of text for a plain user.</summary>
    public void SendPlain(string text) => _connection?.Send(Outgoing.PlainLine(text));

    /// <summary>Queues a shared line in the form this client reads.</summary>
    public void Deliver(Outgoing line)
    {
        if (_connection is null)
        {
            return;
        }

        if (IsPlain)
        {
            if (line.PlainBytes is { } plain)
            {
                _connection.Send(plain);
            }

            return;
        }

        if (!line.IsFor(Caps))
        {
            return;
        }

        if (_labeled is not null && _labeled.TryCapture(line.MessageFor(Caps)))
        {
            return;
        }

        _connection.Send(line.BytesFor(Caps));
    }

    /// <summary>
    /// Runs <paramref name="then"/> once <paramref name="work"/> has finished (successfully
    /// or not) and after this client's earlier deferred work, in order. The client's
    /// next line is read only after all of it, so what a client does stays in the
    /// order it did it, and a labeled command's deferred replies are still labeled.
    /// Used for what waits on storage (a message is delivered once it is stored).
    /// <typeparamref name="T"/> is the work's own task type, with or without a result.
    /// </summary>
    internal void After<T>(T work, Action<T> then)
        where T : Task
    {
        Interlocked.Increment(ref _unsettled);
        _deferred = ChainAsync(_deferred, work, then);
        _deferredInStoreOrder = false;
    }

    /// <summary>
    /// Stores <paramref name="message"/> and then runs <paramref name="then"/> (with
    /// null, or the store's error), in order with this client's other deferred work,
    /// as <see cref="After{T}"/> does. When the store runs follow-ups itself in
    /// queue order (<see cref="IOrderedAppend"/>), nothing else of this client is
    /// pending and no labeled command is running, <paramref name="then"/> runs on
    /// the store's writer right after the commit: a delivery then waits for no
    /// other thread.
    /// </summary>
    internal void AfterStored(IChatStore store, StoredMessage message, Action<Exception?> then)
    {
        // A labeled command's replies are captured along its flow of execution, which the store's writer is not part of.
        if (store is not IOrderedAppend ordered || _labeled is not null || !(_deferredInStoreOrder || _deferred.IsCompleted))
        {
            After(store.AppendAsync(message), done => then(done.IsCompletedSuccessfully ? null : StoreTasks.ErrorOf(done, "store failed")));
            return;
        }

        Interlocked.Increment(ref _unsettled);
        _deferred = ordered.AppendAsync(message, error => Settle(then, error));
        _deferredInStoreOrder = true;
    }

    /// <summary>
    /// How many messages a client may have dispatched and not yet delivered (each
    /// waiting for its store commit) while its next lines are read. Messages stay in
    /// order (their deliveries are chained); anything other than a plain message
    /// waits for all of them first, so the rest of what a client does keeps its order.
    /// </summary>
    internal const int MaxPipelinedMessages = 128;

    /// <summary>Completes once every deferred delivery of this client is done; the session awaits it before the client leaves.</summary>
    internal Task Settled => _deferred;

    private async Task ChainAsync<T>(Task previous, T work, Action<T> then)
        where T : Task
    {
        await previous.ConfigureAwait(false);
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // "then" looks at the task and decides.
        }

        Settle(then, work);
    }

    /// <summary>Runs a deferred work's follow-up; whatever happens, the work is no longer pending.</summary>
    private void Settle<T>(Action<T> then, T outcome)
    {
        try
        {
            then(outcome);
        }
        catch (Exception ex)
        {
            Server.Log.SessionFailed(ex, Endpoint);
        }
        finally
        {
            Interlocked.Decrement(ref _unsettled);
        }
    }

    private ValueTask Deferred() => _deferred.IsCompleted ? ValueTask.CompletedTask : new ValueTask(_deferred);

    /// <summary>Closes the connection; <paramref name="lastWords"/> is flushed first.</summary>
    public void Close(string reason, string? lastWords = null)
    {
        byte[]? last = lastWords is null ? null
            : IsPlain ? Outgoing.PlainLine(lastWords)
            : IrcWriter.ToBytes(new IrcMessage(IrcCommands.Error, lastWords));
        _connection?.Close(reason, last);
    }

    internal void Touch()
    {
        Volatile.Write(ref _lastActivity, Environment.TickCount64);
    }

    internal void MarkPingSent() => Volatile.Write(ref _pingSent, Environment.TickCount64);

    internal void PongReceived() => Volatile.Write(ref _pingSent, 0);

    ValueTask ILineHandler.OnLineAsync(ReadOnlySequence<byte> line)
    {
        Touch();
        var flood = Server.Options.Flood;
        if (!IsRegistered)
        {
            if (++_linesBeforeRegistration > flood.MaxLinesBeforeRegistration)
            {
                Close("Excess flood before registration", "Closing Link: too many lines before registration");
                return ValueTask.CompletedTask;
            }
        }
        else if (flood.Enabled && !(flood.ExemptOperators && IsOperator))
        {
            _lag ??= new Limits.FakeLag(flood, Environment.TickCount64);
            var wait = _lag.Delay(Environment.TickCount64);
            if (wait > TimeSpan.Zero)
            {
                // Fake lag: the line is handled later, and meanwhile nothing more is
                // read from this client, so TCP holds its flood back, not our memory.
                return HandleLaterAsync(line, wait);
            }
        }

        return Handle(line);
    }

    private async ValueTask HandleLaterAsync(ReadOnlySequence<byte> line, TimeSpan wait)
    {
        await Task.Delay(wait).ConfigureAwait(false);
        await Handle(line).ConfigureAwait(false);
    }

    /// <summary>One line; the task completes when its deferred work (a store commit) is done.</summary>
    private ValueTask Handle(ReadOnlySequence<byte> line)
    {
        ReadOnlySpan<byte> span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (!_modeDecided)
        {
            _modeDecided = true;
            IsPlain = !IsWebSocket && PlainMode.LooksLikeAlias(span);
        }

        if (IsPlain)
        {
            PlainMode.OnLine(this, span);
            return Deferred();
        }

        var error = IrcParser.TryParse(span, out var message);
        if (_deferred.IsCompleted || (error == IrcParseError.None && MayPipeline(message!)))
        {
            return Process(error, message);
        }

        // Earlier messages still wait on storage: this line's effects and replies come after them.
        return ProcessAfterDeferredAsync(error, message);
    }

    private async ValueTask ProcessAfterDeferredAsync(IrcParseError error, IrcMessage? message)
    {
        await _deferred.ConfigureAwait(false);
        await Process(error, message).ConfigureAwait(false);
    }

    /// <summary>
    /// A message that may be dispatched while earlier messages still wait on
    /// storage: PRIVMSG, NOTICE or TAGMSG, not labeled, not to a service (whose
    /// replies and account changes the next lines may depend on).
    /// </summary>
    private bool MayPipeline(IrcMessage message)
    {
        if (!message.Is(IrcCommands.Privmsg) && !message.Is(IrcCommands.Notice) && !message.Is(IrcCommands.Tagmsg))
        {
            return false;
        }

        if (Has(Cap.LabeledResponse) && message.Tags.ContainsKey("label"))
        {
            return false;
        }

        return message.Parameters.Count > 0
            && !message.Parameters[0].Contains(Accounts.NickServ.Nick, StringComparison.OrdinalIgnoreCase);
    }

    private ValueTask Process(IrcParseError error, IrcMessage? message)
    {
        switch (error)
        {
            case IrcParseError.None:
                return Dispatch(message!);
            case IrcParseError.InvalidUtf8:
                Send(new IrcMessage(null, Server.Name, "FAIL", ["*", "INVALID_UTF8", "Your message was not valid UTF-8 and was dropped"]));
                break;
            case IrcParseError.TooLong:
            case IrcParseError.TagsTooLong:
                SendNumeric(Numerics.ERR_INPUTTOOLONG, "Input line was too long");
                break;
            case IrcParseError.Malformed:
                Server.Log.MalformedLine(Endpoint);
                break;
        }

        return ValueTask.CompletedTask;
    }

    void ILineHandler.OnClosed(string reason, Exception? error) => _ = Server.EndSessionAsync(this, _connection!, reason, error);

    void ILineHandler.OnLineTooLong()
    {
        if (IsPlain)
        {
            SendPlain(Server.Text["PlainLineTooLong"]);
        }
        else
        {
            SendNumeric(Numerics.ERR_INPUTTOOLONG, "Input line was too long");
        }
    }

    /// <summary>Runs one command; with labeled-response, its replies (deferred ones included) go out labeled.</summary>
    private ValueTask Dispatch(IrcMessage message)
    {
        if (!Has(Cap.LabeledResponse) || !message.Tags.TryGetValue("label", out var label) || label.Length == 0)
        {
            Server.Commands.Dispatch(this, message);

            // A message's delivery waits for its commit, but the next line need not:
            // up to a bound, the client goes on while the store batches its messages.
            return MayPipeline(message) && Volatile.Read(ref _unsettled) <= MaxPipelinedMessages ? ValueTask.CompletedTask : Deferred();
        }

        var labeled = new LabeledResponse(this, label);
        _labeled = labeled;
        LabeledResponse.Current.Value = labeled;
        try
        {
            Server.Commands.Dispatch(this, message);
        }
        catch
        {
            _labeled = null;
            labeled.Flush();
            throw;
        }
        finally
        {
            LabeledResponse.Current.Value = null;
        }

        if (_deferred.IsCompleted)
        {
            _labeled = null;
            labeled.Flush();
            return ValueTask.CompletedTask;
        }

        return FinishLabeledAsync(labeled);
    }

    private async ValueTask FinishLabeledAsync(LabeledResponse labeled)
    {
        try
        {
            await _deferred.ConfigureAwait(false);
        }
        finally
        {
            _labeled = null;
            labeled.Flush();
        }
    }

    /// <summary>Queues bytes as they are, bypassing tags and capture; for <see cref="LabeledResponse"/>.</summary>
    internal void SendRaw(IrcMessage message) => _connection?.Send(IrcWriter.ToBytes(message));

    public override string ToString() => $"{NickOrStar} ({Endpoint})";
}
