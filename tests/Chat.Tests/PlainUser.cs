using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Tests;

/// <summary>
/// A raw TCP user, like `nc 127.0.0.1 PORT`: sends plain lines and collects what the
/// server sends back. Dispose closes the socket.
/// </summary>
public sealed class PlainUser : IDisposable
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly TcpClient _tcp;
    private readonly StreamWriter _writer;
    private readonly StreamReader _reader;
    private readonly LineLog _lines = new();

    private PlainUser(TcpClient tcp)
    {
        _tcp = tcp;
        var stream = tcp.GetStream();
        _writer = new StreamWriter(stream, Utf8) { NewLine = "\n", AutoFlush = true };
        _reader = new StreamReader(stream, Utf8);
        _ = Task.Run(ReadLoopAsync);
    }

    /// <summary>Every line received so far.</summary>
    public IReadOnlyList<string> Lines => _lines.Lines;

    /// <summary>Connects to the loopback port without sending anything.</summary>
    public static async Task<PlainUser> ConnectAsync(int port)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        using var cancel = new CancellationTokenSource(ChatProcess.DefaultTimeout);
        await tcp.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
        return new PlainUser(tcp);
    }

    /// <summary>Connects, sends the alias as the first line and waits for the welcome.</summary>
    public static async Task<PlainUser> ConnectAsync(int port, string alias)
    {
        var user = await ConnectAsync(port);
        try
        {
            await user.SendAsync(alias);
            await user.WaitForLineAsync(line => line == $"Welcome to the chat, {alias}!");
            return user;
        }
        catch
        {
            user.Dispose();
            throw;
        }
    }

    public Task SendAsync(string line) => _writer.WriteLineAsync(line);

    /// <summary>Waits for a received line matching <paramref name="match"/>, read already or still to come.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null) =>
        _lines.WaitForAsync(match, timeout ?? ChatProcess.DefaultTimeout, () => "--- plain user received ---\n" + string.Join('\n', Lines));

    /// <summary>Waits for the server to close the connection; false when it is still open after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        var closed = _lines.Closed;
        return await Task.WhenAny(closed, Task.Delay(timeout ?? ChatProcess.DefaultTimeout)) == closed;
    }

    public void Dispose() => _tcp.Dispose();

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _reader.ReadLineAsync() is { } line)
            {
                _lines.Add(line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
        finally
        {
            _lines.Close();
        }
    }
}
