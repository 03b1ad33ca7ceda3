using System.Net;
using System.Net.Sockets;
using Chat.Core.Transport;
using Chat.Server.Commands;
using Chat.Server.Resources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Chat.Server;

/// <summary>
/// The chat server: accepts connections, runs one async session per client (a
/// reader loop and a writer loop, no thread of its own), and owns the shared
/// <see cref="ServerState"/>. Start with <see cref="StartAsync"/>, stop with
/// <see cref="StopAsync"/>: connected users are told, and the stop is bounded.
/// </summary>
public sealed partial class ChatServer : IAsyncDisposable
{
    private readonly TaskCompletionSource _sessionsEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _activeSessions;
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private Task? _timerLoop;
    private readonly MemoryTrim _memoryTrim = new();
    private int _stopped;

    public ChatServer(ServerOptions options, ILoggerFactory? loggers = null)
    {
        Options = options;
        Text = new ServerText(options.Culture);
        Log = new ServerLog((loggers ?? NullLoggerFactory.Instance).CreateLogger("Chat.Server"), Text);
        Events = new ChatEvents(Text);
        Throttle = new Limits.ConnectionThrottle(options.Throttle);
        State = new ServerState();
        Store = Storage.ChatStores.Open(options, Log);
        History = new History.HistoryService(this, Store);
        ChatHistory = new History.ChatHistoryCommand(this);
        Accounts = new Accounts.AccountService(this, Store);
        Rooms = new Rooms(this);
        Messaging = new Messaging(this);
        Info = new ServerInfo(this);
        Commands = new CommandTable();
        new Registration(this).Register(Commands);
        Rooms.Register(Commands);
        new ChannelModes(this).Register(Commands);
        new Moderation(this).Register(Commands);
        new Listing(this).Register(Commands);
        Messaging.Register(Commands);
        Info.Register(Commands);
        new Profile(this).Register(Commands);
        new Users(this).Register(Commands);
        new Operators(this).Register(Commands);
        ChatHistory.Register(Commands);
        Accounts.Register(Commands);
        if (options.Cluster.Database is not null)
        {
            Cluster = new Cluster.ClusterNode(this, options.Cluster, (loggers ?? NullLoggerFactory.Instance).CreateLogger("Chat.Server.Cluster"));
        }
    }

    /// <summary>The link to the other nodes when <see cref="ServerOptions.Cluster"/> names a database; null for a server alone.</summary>
    public Cluster.ClusterNode? Cluster { get; }

    public ServerOptions Options { get; }

    public string Name => Options.ServerName;

    public ServerText Text { get; }

    public ServerLog Log { get; }

    public ChatEvents Events { get; }

    public ServerState State { get; }

    public CommandTable Commands { get; }

    public Rooms Rooms { get; }

    public Messaging Messaging { get; }

    public ServerInfo Info { get; }

    /// <summary>Where history and accounts are kept.</summary>
    public Storage.IChatStore Store { get; }

    public History.HistoryService History { get; }

    public History.ChatHistoryCommand ChatHistory { get; }

    public Accounts.AccountService Accounts { get; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Connections per IP address (see <see cref="ServerOptions.Throttle"/>).</summary>
    internal Limits.ConnectionThrottle Throttle { get; }

    /// <summary>Where the server listens once started (the real port when 0 was asked for).</summary>
    public IPEndPoint? EndPoint { get; private set; }

    /// <summary>
    /// How long a cluster node waits, at start, for its first join before it
    /// accepts connections anyway (serving local users while the database is away).
    /// </summary>
    private static readonly TimeSpan FirstJoinWait = TimeSpan.FromSeconds(5);

    /// <summary>Binds and starts accepting. Throws a SocketException when the address is taken.</summary>
    public async Task StartAsync()
    {
        if (Options.Tls.PlainListener)
        {
            var listener = Bind(Options.Port);
            _listener = listener;
            EndPoint = (IPEndPoint)listener.LocalEndPoint!;
            Log.Listening($"{FormatHost(EndPoint.Address)}:{EndPoint.Port}");
        }

        BindTlsListener();
        if (Cluster is not null)
        {
            // A node accepts nobody before it has joined: restarted after a crash, it has
            // then replaced its predecessor, so its users get their own nicks back at once.
            // Connections made meanwhile wait in the listeners' queues.
            Cluster.Start();
            await Task.WhenAny(Cluster.FirstJoin, Task.Delay(FirstJoinWait)).ConfigureAwait(false);
        }

        if (_listener is { } plain)
        {
            _acceptLoop = Task.Run(() => AcceptLoopAsync(plain, secure: false));
        }

        if (_tlsListener is { } tls)
        {
            _tlsAcceptLoop = Task.Run(() => AcceptLoopAsync(tls, secure: true));
        }

        _timerLoop = Task.Run(TimerLoopAsync);
    }

    private Socket Bind(int port)
    {
        var listener = new Socket(Options.Host.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(Options.Host, port));
            // A deep accept queue: a burst of new clients waits here instead of
            // having SYNs dropped and retried a second or more later.
            listener.Listen(4096);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return listener;
    }

    /// <summary>
    /// Tells every user the server is shutting down, closes their connections
    /// after flushing, and waits at most <see cref="ServerOptions.ShutdownGrace"/>.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        Log.ShuttingDown();
        _stopping.Cancel();
        _listener?.Dispose();
        _tlsListener?.Dispose();
        string reason = Text["ShutdownReason"];
        foreach (var client in State.ClientsSnapshot())
        {
            client.Close(reason, client.IsPlain ? Text.Format("PlainServerNotice", reason) : reason);
        }

        if (Volatile.Read(ref _activeSessions) == 0)
        {
            _sessionsEnded.TrySetResult();
        }

        var all = Task.WhenAll(_sessionsEnded.Task, _acceptLoop ?? Task.CompletedTask, _tlsAcceptLoop ?? Task.CompletedTask, _timerLoop ?? Task.CompletedTask);
        await Task.WhenAny(all, Task.Delay(Options.ShutdownGrace)).ConfigureAwait(false);
        if (Cluster is not null)
        {
            // After the sessions: their QUITs are queued for the other nodes by now.
            await Cluster.StopAsync().ConfigureAwait(false);
        }

        await Store.DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>Runs once a client has a nick and a user (and ended CAP negotiation).</summary>
    internal void CompleteRegistration(Client client)
    {
        if (client.IsRegistered || client.Nick is null || !client.HasUser || client.CapNegotiating || !Accounts.MayComplete(client))
        {
            return;
        }

        client.IsRegistered = true;
        State.CountRegistered();
        if (!client.IsPlain)
        {
            Info.SendWelcome(client);
        }

        Cluster?.Registered(client);

        Log.Connected(client.Nick, client.Endpoint);
    }

    internal void LogMessage(Client client, string channel, string text)
    {
        if (!Options.LogMessages)
        {
            return;
        }

        if (string.Equals(channel, Options.DefaultChannel, StringComparison.OrdinalIgnoreCase))
        {
            Log.Said(client.Nick!, text);
        }
        else
        {
            Log.SaidIn(client.Nick!, channel, text);
        }
    }

    private async Task AcceptLoopAsync(Socket listener, bool secure)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of file descriptors and the like: say so, wait, go on.
                Log.AcceptFailed(ex);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            _ = secure ? RunTlsSessionAsync(socket) : RunSessionAsync(socket);
        }
    }

    private async Task RunSessionAsync(Socket socket)
    {
        await Task.Yield();
        if (Admit(socket.RemoteEndPoint, out var address) is { } refusal)
        {
            RefuseQuickly(socket, refusal);
            return;
        }

        LineConnection connection;
        try
        {
            connection = LineConnection.FromSocket(socket, Options.Connection);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            socket.Dispose();
            ReleaseThrottle(address);
            return;
        }

        // This method ends now: an idle session keeps no state machine. The session releases the throttle.
        StartSession(connection, secure: false, webSocket: false, throttled: address);
    }

    /// <summary>
    /// The per-IP limits, for every transport: null when the connection is
    /// admitted (its session then releases <paramref name="address"/>, see
    /// <see cref="ReleaseThrottle"/>), else why it is refused (and logged).
    /// </summary>
    private string? Admit(EndPoint? remote, out IPAddress? address)
    {
        address = (remote as IPEndPoint)?.Address;
        if (address is not null && Throttle.TryAdmit(address, Environment.TickCount64) is { } refusal)
        {
            Log.Throttled(address.ToString(), refusal);
            address = null;
            return refusal;
        }

        return null;
    }

    private void ReleaseThrottle(IPAddress? address)
    {
        if (address is not null)
        {
            Throttle.Release(address, Environment.TickCount64);
        }
    }

    /// <summary>Tells a refused connection why, without waiting on it, and drops it.</summary>
    private static void RefuseQuickly(Socket socket, string reason)
    {
        try
        {
            socket.Blocking = false;
            socket.Send(System.Text.Encoding.UTF8.GetBytes($"ERROR :{reason}\r\n"));
        }
        catch (SocketException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>
    /// Serves one connection of any transport (TCP, TLS, WebSocket) until it
    /// closes, and disposes it. WebSocket clients are always IRC, never plain mode.
    /// Nothing waits on the session while it lasts: the connection calls
    /// <see cref="Client"/> back with each line and, at the end, with its close
    /// reason (see <see cref="EndSessionAsync"/>), so that an idle client holds no
    /// state machine. <paramref name="ended"/>, if given, completes when the session has ended.
    /// </summary>
    private void StartSession(LineConnection connection, bool secure, bool webSocket, IPAddress? throttled = null, TaskCompletionSource? ended = null)
    {
        // Counted here, where every transport passes, so that StopAsync can wait for all sessions.
        Interlocked.Increment(ref _activeSessions);
        _memoryTrim.Connected();
        var client = new Client(this, connection) { IsSecure = secure, IsWebSocket = webSocket, Throttled = throttled, SessionEnded = ended };
        State.AddClient(client);
        try
        {
            if (_stopping.IsCancellationRequested)
            {
                client.Close(Text["ShutdownReason"], Text["ShutdownReason"]);
            }
            else if (!webSocket)
            {
                client.SendServerNotice(Text["ConnectNotice"]);
            }
        }
        catch (Exception ex)
        {
            // The connection then starts closed, and its end runs the session's end as usual.
            Log.SessionFailed(ex, client.Endpoint);
            connection.Close("Internal error");
        }

        connection.Start(client);
    }

    /// <summary>
    /// The end of a session (its connection has stopped reading): the client
    /// leaves once what it sent has reached its rooms, the connection is flushed
    /// and disposed, and the throttle released.
    /// </summary>
    internal async Task EndSessionAsync(Client client, LineConnection connection, string reason, Exception? error)
    {
        try
        {
            try
            {
                if (error is not null)
                {
                    Log.SessionFailed(error, client.Endpoint);
                    reason = "Internal error";
                }
                else
                {
                    // Messages it sent still reach its rooms before its QUIT does.
                    await client.Settled.ConfigureAwait(false);
                }

                Disconnect(client, reason);
            }
            catch (Exception ex)
            {
                Log.SessionFailed(ex, client.Endpoint);
                Disconnect(client, "Internal error");
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            ReleaseThrottle(client.Throttled);
            client.SessionEnded?.TrySetResult();
            if (Interlocked.Decrement(ref _activeSessions) == 0 && _stopping.IsCancellationRequested)
            {
                _sessionsEnded.TrySetResult();
            }
        }
    }

    /// <summary>Removes a client everywhere and tells each room mate once.</summary>
    private void Disconnect(Client client, string reason)
    {
        lock (State.Gate)
        {
            bool wasRegistered = client.IsRegistered;
            var peers = State.Remove(client);
            var quit = wasRegistered && peers.Count > 0 ? Events.Quit(client, reason) : null;
            void TellPeers()
            {
                foreach (var peer in quit is null ? [] : peers)
                {
                    peer.Deliver(quit!);
                }
            }

            // Cluster hook: room mates here are told in the order the database gives every node (see Cluster/ClusterNode).
            if (Cluster?.Quit(client, reason, wasRegistered, TellPeers) != true)
            {
                TellPeers();
            }

        }

        if (client.IsRegistered)
        {
            Log.Disconnected(client.Nick!, reason);
        }
        else
        {
            Log.UnregisteredClosed(client.Endpoint, reason);
        }
    }

    /// <summary>Registration timeouts, PINGs to quiet clients and ping timeouts; memory back after a burst of connections.</summary>
    private async Task TimerLoopAsync()
    {
        var smallest = new[] { Options.RegistrationTimeout, Options.PingInterval, Options.PingTimeout }.Min();
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(smallest.TotalMilliseconds / 4, 50, 1000));
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                CheckAllClients();
                if (_memoryTrim.CheckNow(Environment.TickCount64))
                {
                    Log.MemoryTrimmed(State.ClientCount, GC.GetTotalMemory(forceFullCollection: false) / 1024);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void CheckAllClients()
    {
        using var clients = State.RentClients();
        foreach (var client in clients.Span)
        {
            CheckTimeouts(client);
            Accounts.CheckNick(client);
        }
    }

    private void CheckTimeouts(Client client)
    {
        if (!client.IsRegistered)
        {
            if (DateTimeOffset.UtcNow - client.ConnectedAt > Options.RegistrationTimeout)
            {
                client.Close("Registration timed out", "Closing Link: registration timed out");
            }

            return;
        }

        if (client.IsPlain)
        {
            // Plain users cannot answer PING; TCP tells us when they are gone.
            return;
        }

        if (client.PingOutstanding is { } waiting)
        {
            if (waiting > Options.PingTimeout)
            {
                int seconds = (int)Options.PingTimeout.TotalSeconds;
                client.Close($"Ping timeout: {seconds} seconds", $"Closing Link: {client.Host} (Ping timeout: {seconds} seconds)");
            }
        }
        else if (client.Idle > Options.PingInterval)
        {
            client.MarkPingSent();
            client.Send(new Core.Protocol.IrcMessage(Core.Protocol.IrcCommands.Ping, Name));
        }
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
