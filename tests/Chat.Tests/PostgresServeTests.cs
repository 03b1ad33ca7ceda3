using Chat.Tests.Shared;

namespace Chat.Tests;

/// <summary>`chat serve --database`: history in PostgreSQL, and what a user sees when it is wrong.</summary>
public sealed class PostgresServeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string StackTraceMark = "   at ";

    [Fact]
    public async Task Messages_survive_a_killed_server_when_the_history_is_in_postgresql()
    {
        string database = await postgres.CreateDatabaseAsync("serve");
        using (var server = await ServerProcess.StartAsync("--database", database))
        {
            await server.Process.WaitForLineAsync(l => l.Contains($"History stored in PostgreSQL postgres@127.0.0.1:{postgres.Cluster.Port}/serve_", StringComparison.Ordinal));
            using var ana = await PlainUser.ConnectAsync(server.Port, "Ana");
            using var beto = await PlainUser.ConnectAsync(server.Port, "Beto");
            await ana.SendAsync("hola desde postgres");
            await beto.WaitForLineAsync(l => l == "Ana: hola desde postgres");

            // Seen by someone, so committed: a SIGKILL right now loses nothing.
            server.Process.Kill();
        }

        // A URL this time: both forms reach the same database.
        string name = database.Split(';').Single(p => p.StartsWith("Database=", StringComparison.Ordinal))["Database=".Length..];
        using var again = await ServerProcess.StartAsync("--database", $"postgresql://postgres@127.0.0.1:{postgres.Cluster.Port}/{name}");
        using var carla = await PlainUser.ConnectAsync(again.Port, "Carla");
        await carla.WaitForLineAsync(l => l.StartsWith("[history]", StringComparison.Ordinal) && l.EndsWith("Ana: hola desde postgres", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_database_is_one_line_on_stderr_and_exit_code_1()
    {
        using var folder = new TempFolder();
        using var serve = ChatProcess.StartChat(
            "serve", "--port", "0", "--data-dir", folder.Path, "--log-file", Path.Combine(folder.Path, "chat.log"),
            "--database", "Host=127.0.0.1;Port=1;Database=chat;Username=chat;Password=do-not-print-me;Timeout=5");

        int code = await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 1, $"Exit code {code}.\n{serve.Transcript}");
        var errors = serve.Errors.Where(line => line.Trim().Length > 0).ToList();
        Assert.True(errors.Count == 1, $"Expected one line on stderr.\n{serve.Transcript}");
        Assert.StartsWith("chat serve: ", errors[0], StringComparison.Ordinal);
        Assert.Contains("chat@127.0.0.1:1/chat", errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain(serve.Output.Concat(serve.Errors), l => l.Contains("do-not-print-me", StringComparison.Ordinal));
        Assert.DoesNotContain(StackTraceMark, serve.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(serve.Output, l => l.Contains("listening on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_malformed_database_is_a_configuration_error_naming_the_option()
    {
        using var serve = ChatProcess.StartChat("serve", "--port", "0", "--database", "postgresql://chat:do-not-print-me@db:notaport/chat");

        Assert.Equal(2, await serve.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var error = Assert.Single(serve.Errors, line => line.Trim().Length > 0);
        Assert.StartsWith("chat serve: command-line option --database:", error, StringComparison.Ordinal);
        Assert.DoesNotContain(serve.Output.Concat(serve.Errors), l => l.Contains("do-not-print-me", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Help_lists_database_and_node_name()
    {
        using var help = ChatProcess.StartChat("serve", "--help");
        Assert.Equal(0, await help.WaitForExitAsync());
        string text = string.Join('\n', help.Output);
        Assert.Contains("--database", text, StringComparison.Ordinal);
        Assert.Contains("postgresql://", text, StringComparison.Ordinal);
        Assert.Contains("--node-name", text, StringComparison.Ordinal);
    }
}
