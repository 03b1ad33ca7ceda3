using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Bench;

/// <summary>
/// Many bench connections driven by one thread: it waits for whichever sockets
/// are ready (epoll on Linux x64, Socket.Select elsewhere), reads each once, hands
/// the lines on and writes with non-blocking sends. On the generator's one core
/// this costs no context switch and no task per receive: against .NET's
/// asynchronous sockets the generator used 9 to 10 of its 10 CPU-seconds in the
/// latency and round-trip scenarios, and so measured itself as much as the server.
/// The sockets never touch .NET's socket engine (connects are blocking, reads and
/// writes are non-blocking system calls), which would otherwise wake for every event too.
/// </summary>
internal sealed class BenchLoop : IDisposable
{
    private const int ReadChunk = 64 * 1024;

    /// <summary>A longer line is dropped; the scenarios never need one.</summary>
    private const int MaxLine = 16 * 1024;

    private readonly BenchOptions _options;
    private readonly IBenchPoller _poller;
    private readonly List<LoopClient> _clients = [];
    private readonly byte[] _read = new byte[MaxLine + ReadChunk];
    private readonly Ready[] _ready = new Ready[512];
    private byte[]? _join;

    public BenchLoop(BenchOptions options)
    {
        _options = options;
        _poller = (options.UseEpoll ? (IBenchPoller?)EpollPoller.TryCreate(_clients) : null) ?? new SelectPoller(_clients);
    }

    public delegate void LineHandler(LoopClient client, ReadOnlySpan<byte> line);

    /// <summary>Every line a registered (and, with a room, joined) client receives, except PING, which is answered here.</summary>
    public LineHandler? OnLine { get; set; }

    /// <summary>The clients, in the order they were opened: <see cref="LoopClient.Index"/> is the position here.</summary>
    public IReadOnlyList<LoopClient> Clients => _clients;

    /// <summary>Why the first client that failed did (a socket error or the server's refusal), or null.</summary>
    public string? FirstFailure { get; private set; }

    /// <summary>Which poller runs: "epoll" or "select".</summary>
    public string PollerName => _poller.Name;

    /// <summary>
    /// Opens <paramref name="count"/> clients at <see cref="BenchOptions.ConnectRate"/>
    /// per second, registers them (nicks <paramref name="prefix"/>0, 1, ...) and,
    /// with a <paramref name="room"/>, joins it. Returns how many failed (refused,
    /// cut off, or not done within <see cref="BenchOptions.RegisterTimeout"/>).
    /// A server whose accept queue overflows in the burst leaves some handshakes
    /// waiting for its SYN-ACK retries (ngircd: up to 30 s); those that fail get
    /// two more tries, a tenth as fast, under another nick.
    /// </summary>
    public int Open(int count, string prefix, string? room, CancellationToken cancel)
    {
        _join = room is null ? null : Encoding.ASCII.GetBytes($"JOIN {room}\r\n");
        var all = Enumerable.Range(0, count).ToList();
        OpenPaced(all, i => prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture), _options.ConnectRate, cancel);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var failed = all.Where(i => _clients[i].State == LoopClientState.Failed).ToList();
            if (failed.Count == 0)
            {
                break;
            }

            int again = attempt;
            OpenPaced(failed, i => $"{prefix}{i}r{again}", Math.Max(1, _options.ConnectRate / 10), cancel);
        }

        return _clients.Count(c => c.State == LoopClientState.Failed);
    }

    /// <summary>Opens the clients at these indexes (new, or in place of failed ones) at <paramref name="rate"/> per second and waits until each is registered or has failed.</summary>
    private void OpenPaced(List<int> indexes, Func<int, string> nick, int rate, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var lastCheck = TimeSpan.Zero;
        int opened = 0;
        int waiting = indexes.Count;
        while (opened < indexes.Count || waiting > 0)
        {
            cancel.ThrowIfCancellationRequested();
            while (opened < indexes.Count && clock.Elapsed.TotalSeconds * rate >= opened)
            {
                Start(indexes[opened], nick(indexes[opened]));
                opened++;
            }

            RunOnce(opened < indexes.Count ? 1 : 10);
            if (clock.Elapsed - lastCheck > TimeSpan.FromMilliseconds(100) || opened == indexes.Count)
            {
                lastCheck = clock.Elapsed;
                waiting = 0;
                long now = Stopwatch.GetTimestamp();
                foreach (int i in indexes.Take(opened))
                {
                    var client = _clients[i];
                    if (client.State is LoopClientState.Registering or LoopClientState.Joining)
                    {
                        if (Stopwatch.GetElapsedTime(client.StartedAt, now) > _options.RegisterTimeout)
                        {
                            FirstFailure ??= $"{client.Nick}: no welcome within {_options.RegisterTimeout.TotalSeconds:0.#} s";
                            Close(client);
                        }
                        else
                        {
                            waiting++;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Runs the loop for <paramref name="time"/>.</summary>
    public void RunFor(TimeSpan time, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < time)
        {
            cancel.ThrowIfCancellationRequested();
            RunOnce((int)Math.Clamp((time - clock.Elapsed).TotalMilliseconds, 0, 10));
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for ready sockets, then reads and writes what each has.</summary>
    public void RunOnce(int timeoutMs)
    {
        int n = _poller.Wait(_ready, timeoutMs);
        for (int i = 0; i < n; i++)
        {
            var (client, readable, writable) = _ready[i];
            if (writable && client.IsOpen)
            {
                Flush(client);
            }

            if (readable && client.IsOpen)
            {
                Read(client);
            }
        }
    }

    /// <summary>
    /// Sends the bytes now, or as much as fits and the rest once the socket has
    /// room (they wait in the client's pending buffer, in order). False when the
    /// client is closed, now or before.
    /// </summary>
    public bool Send(LoopClient client, ReadOnlySpan<byte> bytes)
    {
        if (!client.IsOpen)
        {
            return false;
        }

        if (client.PendingBytes == 0)
        {
            int sent = _poller.Send(client.Socket, bytes, out var error);
            if (error == SocketError.WouldBlock)
            {
                sent = 0;
            }
            else if (error != SocketError.Success)
            {
                Close(client);
                return false;
            }

            if (sent == bytes.Length)
            {
                return true;
            }

            bytes = bytes[sent..];
            client.Append(bytes);
            _poller.WantWrite(client, true);
            return true;
        }

        client.Append(bytes);
        return true;
    }

    /// <summary>Connects client <paramref name="index"/> (the next one, or a new try in place of a failed one) and sends its registration.</summary>
    private void Start(int index, string nick)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var client = new LoopClient(index, nick, socket);
        if (index == _clients.Count)
        {
            _clients.Add(client);
        }
        else
        {
            _clients[index] = client;
        }

        try
        {
            // Linux bounds a blocking connect by the send timeout: a server that
            // never answers the handshake fails this client instead of hanging here.
            socket.SendTimeout = (int)_options.RegisterTimeout.TotalMilliseconds;
            BenchClient.DeferPortChoice(socket);
            socket.Bind(new IPEndPoint(_options.SourceAddress(index), 0));
            socket.Connect(_options.Host, _options.PortFor(index));
            _poller.Add(client);
        }
        catch (SocketException ex)
        {
            FirstFailure ??= $"{nick}: {ex.Message}";
            client.State = LoopClientState.Failed;
            socket.Dispose();
            return;
        }

        Send(client, Encoding.ASCII.GetBytes($"NICK {nick}\r\nUSER {nick} 0 * :bench\r\n"));
    }

    private void Flush(LoopClient client)
    {
        var pending = client.PendingSpan;
        int sent = _poller.Send(client.Socket, pending, out var error);
        if (error == SocketError.WouldBlock)
        {
            return;
        }

        if (error != SocketError.Success)
        {
            Close(client);
            return;
        }

        client.Consume(sent);
        if (client.PendingBytes == 0)
        {
            _poller.WantWrite(client, false);
        }
    }

    /// <summary>One receive (the poller says again when more is there), then its whole lines.</summary>
    private void Read(LoopClient client)
    {
        int carried = client.TakeCarry(_read);
        int n = _poller.Receive(client.Socket, _read.AsSpan(carried, ReadChunk), out var error);
        if (error == SocketError.WouldBlock)
        {
            client.KeepCarry(_read.AsSpan(0, carried));
            return;
        }

        if (error != SocketError.Success || n == 0)
        {
            if (client.State is LoopClientState.Registering or LoopClientState.Joining)
            {
                FirstFailure ??= $"{client.Nick}: " + (n == 0 && error == SocketError.Success ? "closed by the server" : error.ToString());
            }

            Close(client);
            return;
        }

        client.ReceivedAt = Stopwatch.GetTimestamp();
        var bytes = _read.AsSpan(0, carried + n);
        while (client.IsOpen)
        {
            int nl = bytes.IndexOf((byte)'\n');
            if (nl < 0)
            {
                break;
            }

            var line = bytes[..nl];
            bytes = bytes[(nl + 1)..];
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            Dispatch(client, line);
        }

        client.KeepCarry(bytes.Length <= MaxLine ? bytes : default);
    }

    private void Dispatch(LoopClient client, ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("PING "u8))
        {
            Send(client, BenchClient.Pong(line));
            return;
        }

        switch (client.State)
        {
            case LoopClientState.Ready:
                OnLine?.Invoke(client, line);
                break;
            case LoopClientState.Registering when line.IndexOf(" 001 "u8) >= 0:
                client.State = _join is null ? LoopClientState.Ready : LoopClientState.Joining;
                if (_join is not null)
                {
                    Send(client, _join);
                }

                break;
            case LoopClientState.Joining when line.IndexOf(" 366 "u8) >= 0:
                client.State = LoopClientState.Ready;
                break;
            case LoopClientState.Registering or LoopClientState.Joining when BenchClient.IsRefusal(line):
                FirstFailure ??= $"{client.Nick}: {Encoding.UTF8.GetString(line)}";
                Close(client);
                break;
        }
    }

    /// <summary>Closes the client: one still registering counts as failed. Its unsent bytes stay readable.</summary>
    public void Close(LoopClient client)
    {
        if (!client.IsOpen)
        {
            return;
        }

        client.State = client.State == LoopClientState.Ready ? LoopClientState.Closed : LoopClientState.Failed;
        _poller.Remove(client);
        client.Socket.Dispose();
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            Close(client);
        }

        _poller.Dispose();
    }
}

internal enum LoopClientState
{
    Registering,
    Joining,
    Ready,
    Failed,
    Closed,
}

/// <summary>One connection of a <see cref="BenchLoop"/>: its socket, its unfinished line and its unsent bytes.</summary>
internal sealed class LoopClient(int index, string nick, Socket socket)
{
    private byte[]? _carry;
    private int _carryLength;
    private byte[]? _pending;
    private int _pendingStart;
    private int _pendingEnd;

    public int Index { get; } = index;

    public string Nick { get; } = nick;

    public Socket Socket { get; } = socket;

    public LoopClientState State { get; set; }

    public long StartedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>When the last receive returned (a <see cref="Stopwatch"/> timestamp): the arrival time of every line it held.</summary>
    public long ReceivedAt { get; set; }

    /// <summary>Whether the poller has this client's write interest on (the poller's own bookkeeping).</summary>
    public bool WatchingWrites { get; set; }

    public bool IsOpen => State is LoopClientState.Registering or LoopClientState.Joining or LoopClientState.Ready;

    public int PendingBytes => _pendingEnd - _pendingStart;

    public ReadOnlySpan<byte> PendingSpan => _pending.AsSpan(_pendingStart, PendingBytes);

    /// <summary>Whole lines given to <see cref="BenchLoop.Send"/> that have not gone out (yet, or ever if the client closed).</summary>
    public int UnsentLines => PendingSpan.Count((byte)'\n');

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_pending is null || _pendingEnd + bytes.Length > _pending.Length)
        {
            int live = PendingBytes;
            var bigger = _pending is not null && live + bytes.Length <= _pending.Length
                ? _pending
                : new byte[Math.Max(4096, (live + bytes.Length) * 2)];
            PendingSpan.CopyTo(bigger);
            _pending = bigger;
            _pendingStart = 0;
            _pendingEnd = live;
        }

        bytes.CopyTo(_pending.AsSpan(_pendingEnd));
        _pendingEnd += bytes.Length;
    }

    public void Consume(int sent)
    {
        _pendingStart += sent;
        if (_pendingStart == _pendingEnd)
        {
            _pendingStart = _pendingEnd = 0;
        }
    }

    /// <summary>Copies the unfinished line to the front of <paramref name="buffer"/>; returns its length.</summary>
    public int TakeCarry(byte[] buffer)
    {
        int length = _carryLength;
        if (length > 0)
        {
            _carry.AsSpan(0, length).CopyTo(buffer);
            _carryLength = 0;
        }

        return length;
    }

    public void KeepCarry(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty)
        {
            _carryLength = 0;
            return;
        }

        if (_carry is null || _carry.Length < rest.Length)
        {
            _carry = new byte[Math.Max(256, rest.Length * 2)];
        }

        rest.CopyTo(_carry);
        _carryLength = rest.Length;
    }
}
