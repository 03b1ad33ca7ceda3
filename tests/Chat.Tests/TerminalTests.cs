namespace Chat.Tests;

/// <summary>`chat join` in a real pseudo-terminal (tmux) against `chat serve`, both as processes.</summary>
public sealed class TerminalTests
{
    [Fact]
    public async Task A_message_arriving_while_typing_appears_above_and_the_typed_text_stays()
    {
        Assert.True(TmuxTerminal.IsAvailable, "tmux is missing: run tests/setup.sh.");
        using var server = await ServerProcess.StartAsync();
        string command = $"env LANG=en_US.UTF-8 DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 TERM=xterm-256color " +
            $"dotnet '{ChatProcess.ChatDll}' join --alias Juan --port {server.Port}";
        using var tmux = TmuxTerminal.Start(command);
        await tmux.WaitForScreenAsync(s => s.Any(r => r.Contains("Welcome to the chat, Juan!", StringComparison.Ordinal)));

        using var beto = await PlainUser.ConnectAsync(server.Port, "Beto");
        await tmux.WaitForScreenAsync(s => s.Any(r => r.Contains(">>> Beto joined the chat", StringComparison.Ordinal)));

        tmux.Type("hola a to");
        await tmux.WaitForScreenAsync(s => s[^1].TrimEnd() == "You: hola a to" || s[^2].TrimEnd() == "You: hola a to");
        await beto.SendAsync("¿qué tal, Juan?");

        var screen = await tmux.WaitForScreenAsync(s => s.Any(r => r.Contains("Beto: ¿qué tal, Juan?", StringComparison.Ordinal)));
        int message = Array.FindIndex(screen, r => r.Contains("Beto: ¿qué tal, Juan?", StringComparison.Ordinal));
        int input = Array.FindIndex(screen, r => r.TrimEnd() == "You: hola a to");
        int status = Array.FindIndex(screen, r => r.StartsWith(" Juan | #general", StringComparison.Ordinal));
        Assert.True(input >= 0, "The half-typed line was lost:\n" + string.Join('\n', screen));
        Assert.True(message >= 0 && message < status && status < input, "Expected message, status, input from top to bottom:\n" + string.Join('\n', screen));
        Assert.Matches(@"^\d\d:\d\d Beto: ¿qué tal, Juan\?", screen[message]);

        tmux.Type("dos");
        tmux.Press("Enter");
        await beto.WaitForLineAsync(line => line == "Juan: hola a todos");
        await tmux.WaitForScreenAsync(s => s.Any(r => r.Contains("Juan: hola a todos", StringComparison.Ordinal)));

        tmux.Type("salir");
        tmux.Press("Enter");
        await beto.WaitForLineAsync(line => line == "<<< Juan left the chat");
    }
}
