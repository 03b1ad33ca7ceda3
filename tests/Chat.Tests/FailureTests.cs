using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Chat.Tests.Shared;

namespace Chat.Tests;

/// <summary>What users see when the server is missing, dies, or is stopped.</summary>
public sealed class FailureTests
{
    private const string StackTraceMark = "   at ";

    [Fact]
    public async Task Join_without_a_server_fails_with_one_line_and_exit_code_1()
    {
        int port = FreePort();
        using var join = ChatProcess.StartChat("join", "--alias", "Juan", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        int code = await join.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.True(code == 1, $"Exit code {code}.\n{join.Transcript}");
        var errors = join.Errors.Where(line => line.Trim().Length > 0).ToList();
        Assert.True(errors.Count == 1, $"Expected one line on stderr.\n{join.Transcript}");
        Assert.Contains($"127.0.0.1:{port}", errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain(StackTraceMark, join.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(join.Output, line => line.StartsWith("Welcome", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Join_reports_a_lost_connection_when_the_server_dies()
    {
        using var server = await ServerProcess.StartAsync();
        // --no-reconnect: without it, chat join would try to reconnect (see Reconnect tests).
        using var juan = await server.JoinAsync("Juan", "Welcome to the chat, Juan!", "--no-reconnect");

        server.Process.Kill();

        Assert.Equal(2, await juan.WaitForExitAsync());
        await juan.WaitForErrorAsync(line => line.StartsWith("Connection to the server lost", StringComparison.Ordinal));
        Assert.DoesNotContain(StackTraceMark, juan.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_stops_chat_bench_with_a_plain_message_and_exit_130()
    {
        // Flood control is on by default, so the fan-out waits a long while for its deliveries.
        using var server = await ServerProcess.StartAsync();
        using var bench = ChatProcess.StartChat("bench", "--port", server.Port.ToString(CultureInfo.InvariantCulture), "--sources", "1",
            "fanout", "--members", "4", "--senders", "1", "--seconds", "1");
        await bench.WaitForErrorAsync(line => line.Contains("senders for", StringComparison.Ordinal));

        bench.Terminate();
        Assert.Equal(130, await bench.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        await bench.WaitForErrorAsync(line => line == "chat bench: interrupted before the scenario finished; no result.");
        Assert.DoesNotContain(StackTraceMark, bench.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_tells_everyone_and_the_server_exits_0()
    {
        using var server = await ServerProcess.StartAsync();
        using var juan = await server.JoinAsync("Juan", "Welcome to the chat, Juan!", "--no-reconnect");
        using var plain = await PlainUser.ConnectAsync(server.Port, "Beto");
        await juan.WaitForLineAsync(line => line == ">>> Beto joined the chat");

        server.Process.Terminate();
        var serverExit = server.Process.WaitForExitAsync(TimeSpan.FromSeconds(5));

        await plain.WaitForLineAsync(line => line == "*** Server shutting down");
        Assert.Equal(2, await juan.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        await juan.WaitForErrorAsync(line => line == "Connection to the server lost: Server shutting down");
        Assert.Equal(0, await serverExit);
        await server.Process.WaitForLineAsync(line => line.EndsWith(" Server shutting down", StringComparison.Ordinal));
        Assert.DoesNotContain(StackTraceMark, juan.Transcript + server.Process.Transcript, StringComparison.Ordinal);
        Assert.True(await plain.WaitForCloseAsync(), "The plain user's connection was not closed.");
    }

    /// <summary>A loopback port nobody listens on (bound, read, released).</summary>
    [Theory]
    [InlineData("en", "chat serve: cannot listen on 127.0.0.1:{0}: ")]
    [InlineData("es", "chat serve: no se puede escuchar en 127.0.0.1:{0}: ")]
    public async Task Serve_on_a_port_in_use_fails_with_one_line_in_its_language_and_exit_code_1(string lang, string start)
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        string port = ((IPEndPoint)taken.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
        using var folder = new TempFolder();
        using var serve = ChatProcess.StartChat("serve", "--host", "127.0.0.1", "--port", port, "--lang", lang,
            "--data-dir", Path.Combine(folder.Path, "data"), "--log-file", Path.Combine(folder.Path, "chat.log"));

        int code = await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 1, $"Exit code {code}.\n{serve.Transcript}");
        var errors = serve.Errors.Where(line => line.Trim().Length > 0).ToList();
        Assert.True(errors.Count == 1, $"Expected one line on stderr.\n{serve.Transcript}");
        Assert.StartsWith(string.Format(CultureInfo.InvariantCulture, start, port), errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain(StackTraceMark, serve.Transcript, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
