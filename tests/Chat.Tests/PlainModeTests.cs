namespace Chat.Tests;

/// <summary>Plain mode against the real process: a raw TCP user talks with a `chat join` user.</summary>
public sealed class PlainModeTests
{
    [Fact]
    public async Task A_raw_socket_user_and_a_join_user_talk()
    {
        using var server = await ServerProcess.StartAsync();
        using var juan = await server.JoinAsync("Juan", "Welcome to the chat, Juan!");

        using var beto = await PlainUser.ConnectAsync(server.Port);
        string greeting = await beto.WaitForLineAsync(_ => true);
        // Sent before the server knows what kind of client this is, so as an IRC NOTICE that reads well as text.
        Assert.Contains("*** Welcome! Type your alias and press Enter to chat.", greeting, StringComparison.Ordinal);
        await beto.SendAsync("Beto");
        await beto.WaitForLineAsync(line => line == "Welcome to the chat, Beto!");
        await beto.WaitForLineAsync(line => line == "Type 'salir' to leave.");
        await juan.WaitForLineAsync(line => line == ">>> Beto joined the chat");

        await juan.WriteLineAsync("Hola Beto, ¿me lees?");
        await beto.WaitForLineAsync(line => line == "Juan: Hola Beto, ¿me lees?");

        await beto.SendAsync("Sí, Juan: te leo");
        await juan.WaitForLineAsync(line => line == "Beto: Sí, Juan: te leo");

        // Once known as plain, a user never sees IRC syntax.
        Assert.DoesNotContain(beto.Lines.Skip(1), line => line.StartsWith(':') || line.Contains("PRIVMSG", StringComparison.Ordinal));

        await beto.SendAsync("salir");
        await beto.WaitForLineAsync(line => line == "Goodbye, Beto!");
        Assert.True(await beto.WaitForCloseAsync(), "The server kept the connection open after salir.");
        await juan.WaitForLineAsync(line => line == "<<< Beto left the chat");
        await server.Process.WaitForLineAsync(line => line.EndsWith(" Beto: Sí, Juan: te leo", StringComparison.Ordinal));
    }
}
