namespace Chat.Tests;

/// <summary>Whole conversations: one `chat serve` and several `chat join` processes.</summary>
public sealed class ChatSessionTests
{
    [Fact]
    public async Task Two_users_talk_both_ways_and_the_server_logs_it()
    {
        using var server = await ServerProcess.StartAsync();
        Assert.Matches(@"^\d\d:\d\d:\d\d Chat server listening on 127\.0\.0\.1:\d+$", server.ListeningLine);
        await server.Process.WaitForLineAsync(line => line.Contains(" History stored in ", StringComparison.Ordinal));

        using var juan = await server.JoinAsync("Juan", "Welcome to the chat, Juan!");
        await juan.WaitForLineAsync("Type 'salir' to leave.");
        using var maria = await server.JoinAsync("María", "Welcome to the chat, María!");
        await maria.WaitForLineAsync("Type 'salir' to leave.");

        await juan.WaitForLineAsync(line => line == ">>> María joined the chat");

        await maria.WriteLineAsync("Hola Juan!");
        await juan.WaitForLineAsync(line => line == "María: Hola Juan!");

        await juan.WriteLineAsync("Hola María, ¿qué tal?");
        await maria.WaitForLineAsync(line => line == "Juan: Hola María, ¿qué tal?");

        await maria.WriteLineAsync("salir");
        Assert.Equal(0, await maria.WaitForExitAsync());
        Assert.Empty(maria.Errors);
        await juan.WaitForLineAsync(line => line == "<<< María left the chat");

        // Nobody sees their own lines echoed back.
        Assert.DoesNotContain(maria.Output, line => line.StartsWith("María:", StringComparison.Ordinal));
        Assert.DoesNotContain(juan.Output, line => line.StartsWith("Juan:", StringComparison.Ordinal));

        await server.Process.WaitForLineAsync(line => line.EndsWith(" María: Hola Juan!", StringComparison.Ordinal));
        await server.Process.WaitForLineAsync(line => line.Contains("Juan connected from 127.0.0.1:", StringComparison.Ordinal));
        await server.Process.WaitForLineAsync(line => line.Contains("María disconnected (", StringComparison.Ordinal));
        await server.WaitForLogFileAsync("María: Hola Juan!");
        await server.WaitForLogFileAsync("María connected from 127.0.0.1:");
        await server.WaitForLogFileAsync("Juan: Hola María, ¿qué tal?");
    }

    [Fact]
    public async Task Spanish_texts_on_the_server_and_the_clients()
    {
        using var server = await ServerProcess.StartAsync("--lang", "es");
        Assert.Matches(@"^\d\d:\d\d:\d\d Servidor de chat multiusuario en 127\.0\.0\.1:\d+$", server.ListeningLine);
        await server.Process.WaitForLineAsync(line => line.Contains(" Historial guardado en ", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Process.Output, line => line.Contains("History stored in", StringComparison.Ordinal));

        using var juan = await server.JoinAsync("Juan", "Bienvenido al chat, Juan!", "--lang", "es");
        await juan.WaitForLineAsync("Escribe 'salir' para desconectarte.");
        using var maria = await server.JoinAsync("María", "Bienvenido al chat, María!", "--lang", "es");
        await maria.WaitForLineAsync("Escribe 'salir' para desconectarte.");

        await juan.WaitForLineAsync(line => line == ">>> María se unió al chat");

        await maria.WriteLineAsync("Hola Juan!");
        await juan.WaitForLineAsync(line => line == "María: Hola Juan!");
        await juan.WriteLineAsync("¡Hola María!");
        await maria.WaitForLineAsync(line => line == "Juan: ¡Hola María!");

        await juan.WriteLineAsync("salir");
        Assert.Equal(0, await juan.WaitForExitAsync());
        await maria.WaitForLineAsync(line => line == "<<< Juan salió del chat");

        Assert.DoesNotContain(juan.Output, line => line.Contains("Welcome", StringComparison.Ordinal) || line.Contains("joined", StringComparison.Ordinal));
        await server.Process.WaitForLineAsync(line => line.Contains("Juan se ha conectado desde 127.0.0.1:", StringComparison.Ordinal));
        await server.Process.WaitForLineAsync(line => line.EndsWith(" María: Hola Juan!", StringComparison.Ordinal));
        await server.WaitForLogFileAsync("María: Hola Juan!");
    }

    [Fact]
    public async Task A_taken_alias_is_asked_again()
    {
        using var server = await ServerProcess.StartAsync();
        using var juan = await server.JoinAsync("Juan", "Welcome to the chat, Juan!");

        using var second = server.Join();
        await second.WriteLineAsync("Juan");
        await second.WriteLineAsync("Juana");
        await second.WriteLineAsync("hola");

        await second.WaitForLineAsync(line => line == "The alias Juan is already in use. Choose another one.");
        await second.WaitForLineAsync(line => line == "Welcome to the chat, Juana!");
        await juan.WaitForLineAsync(line => line == ">>> Juana joined the chat");
        await juan.WaitForLineAsync(line => line == "Juana: hola");
        Assert.DoesNotContain(second.Output, line => line.Contains("Welcome to the chat, Juan!", StringComparison.Ordinal));

        second.CloseInput();
        Assert.Equal(0, await second.WaitForExitAsync());
        await juan.WaitForLineAsync(line => line == "<<< Juana left the chat");
    }
}
