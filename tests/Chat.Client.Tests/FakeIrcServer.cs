using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Client.Tests;

/// <summary>
/// A scripted IRC server on loopback: the test accepts each connection, expects
/// the lines the client should send and answers with lines of its own, so a
/// transcript is checked line by line. Every wait is bounded.
/// </summary>
public sealed class FakeIrcServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public FakeIrcServer()
    {
        _listener.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<Connection> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var socket = await _listener.AcceptTcpClientAsync(timeout.Token);
        return new Connection(socket);
    }

    public void Dispose() => _listener.Stop();

    public sealed class Connection : IDisposable
    {
        private readonly TcpClient _socket;
        private readonly StreamReader _reader;
        private readonly StreamWriter _writer;

        public Connection(TcpClient socket)
        {
            _socket = socket;
            var stream = socket.GetStream();
            _reader = new StreamReader(stream, new UTF8Encoding(false));
            _writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        }

        public List<string> Received { get; } = [];

        /// <summary>Reads lines until one starts with <paramref name="prefix"/>; fails after 10 seconds.</summary>
        public async Task<string> ExpectAsync(string prefix)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                while (true)
                {
                    string line = await _reader.ReadLineAsync(timeout.Token) ?? throw new IOException("Client closed. Got:\n" + string.Join("\n", Received));
                    Received.Add(line);
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No line starting with '{prefix}'. Got:\n" + string.Join("\n", Received));
            }
        }

        public Task SendAsync(string line) => _writer.WriteLineAsync(line);

        /// <summary>CAP LS offering <paramref name="caps"/>, the REQ the client should make, ACK, CAP END, NICK/USER and a welcome.</summary>
        public async Task RegisterAsync(string caps, string? expectedRequest, string nick)
        {
            await ExpectAsync("CAP LS 302");
            await SendAsync($":fake CAP * LS :{caps}");
            if (expectedRequest is not null)
            {
                Assert.Equal($"CAP REQ :{expectedRequest}", await ExpectAsync("CAP REQ"));
                await SendAsync($":fake CAP * ACK :{expectedRequest}");
            }

            await ExpectAsync("CAP END");
            await SendAsync($":fake 001 {nick} :Welcome");
        }

        public void Dispose() => _socket.Dispose();
    }
}
