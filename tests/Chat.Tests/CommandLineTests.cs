namespace Chat.Tests;

/// <summary>The `chat` command line: version, help and invalid options.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Version_is_0_1_0()
    {
        using var chat = ChatProcess.StartChat("--version");
        Assert.Equal(0, await chat.WaitForExitAsync());
        Assert.Equal("0.1.0", Assert.Single(chat.Output, line => line.Trim().Length > 0).Trim());
    }

    [Theory]
    [InlineData(new string[0], new[] { "serve", "join" })]
    [InlineData(new[] { "serve" }, new[] { "--host", "--port", "--log-file", "--lang" })]
    [InlineData(new[] { "join" }, new[] { "--alias", "--host", "--port", "--room", "--lang" })]
    public async Task Help_exits_0_and_names_every_option(string[] command, string[] mentioned)
    {
        using var chat = ChatProcess.StartChat([.. command, "--help"]);
        Assert.Equal(0, await chat.WaitForExitAsync());
        string help = string.Join('\n', chat.Output);
        foreach (string word in mentioned)
        {
            Assert.Contains(word, help, StringComparison.Ordinal);
        }

        Assert.Empty(chat.Errors);
    }

    [Theory]
    [InlineData(new[] { "serve", "--port", "70000" }, "70000")]
    [InlineData(new[] { "serve", "--port", "abc" }, "'abc' for option '--port'")]
    [InlineData(new[] { "join", "--alias", "Juan", "--port", "abc" }, "'abc' for option '--port'")]
    [InlineData(new[] { "bench", "--port", "abc", "pairs" }, "'abc' for option '--port'")]
    [InlineData(new[] { "bench", "--also-port", "x", "pairs" }, "'x' for option '--also-port'")]
    [InlineData(new[] { "join", "--lang", "fr", "--alias", "Juan", "--port", "1" }, "fr")]
    [InlineData(new[] { "serve", "--host", "example.org", "--port", "0" }, "--host")]
    public async Task Invalid_options_exit_non_zero_with_a_clear_error(string[] args, string named)
    {
        using var chat = ChatProcess.StartChat(args);
        int code = await chat.WaitForExitAsync();

        Assert.True(code != 0, $"Exit code 0.\n{chat.Transcript}");
        string errors = string.Join('\n', chat.Errors);
        Assert.Contains(named, errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", chat.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(chat.Output, line => line.Contains("listening", StringComparison.Ordinal) || line.StartsWith("Welcome", StringComparison.Ordinal));
    }
}
