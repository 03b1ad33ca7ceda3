namespace Chat.Server.Tests;

public class ServerQueryTests
{
    [Fact]
    public async Task Version_answers_351_and_isupport_lines_advertising_whox_and_awaylen()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");

        ana.Send("VERSION");
        var version = await ana.ExpectAsync(m => m.Command == "351");
        Assert.Equal("ana", version.Parameters[0]);
        Assert.StartsWith("chat-", version.Parameters[1], StringComparison.Ordinal);
        Assert.Equal("test.server", version.Parameters[2]);

        var tokens = new List<string>();
        while (!tokens.Contains("WHOX"))
        {
            var line = await ana.ExpectAsync(m => m.Command == "005");
            tokens.AddRange(line.Parameters.Skip(1).SkipLast(1));
        }

        Assert.Contains("AWAYLEN=200", tokens);
        Assert.Contains("AWAYLEN=200", server.Server.Info.IsupportTokens);
        Assert.Contains("WHOX", server.Server.Info.IsupportTokens);
    }

    [Fact]
    public async Task Queries_for_another_server_answer_402()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");

        foreach (string verb in new[] { "VERSION", "TIME", "ADMIN", "INFO", "MOTD" })
        {
            var replies = await ana.AskAsync($"{verb} elsewhere.example", "402");
            Assert.Equal(["ana", "elsewhere.example", "No such server"], replies[^1].Parameters);
        }

        // Our own name, a mask that matches it, or a nick on this server all mean us.
        await ana.AskAsync("VERSION test.server", "351");
        await ana.AskAsync("TIME *.server", "391");
        await ana.AskAsync("ADMIN ana", "259");
    }

    [Fact]
    public async Task Time_answers_391_with_the_server_name_and_a_readable_time()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");

        var replies = await ana.AskAsync("TIME", "391");
        var time = replies[^1].Parameters;
        Assert.Equal("ana", time[0]);
        Assert.Equal("test.server", time[1]);
        Assert.Contains(DateTimeOffset.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), time[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_answers_371_lines_then_374()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");

        var replies = await ana.AskAsync("INFO", "374");
        Assert.True(replies.Count(m => m.Command == "371") >= 1);
        Assert.All(replies.Where(m => m.Command == "371"), m => Assert.Equal(2, m.Parameters.Count));
        Assert.Equal(["ana", "End of INFO list"], replies[^1].Parameters);
    }

    [Fact]
    public async Task Admin_answers_256_to_259_from_configuration()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Admin = new AdminInfo { Location = "Madrid, ES", Email = "admin@example.org" },
        });
        using var ana = await server.RegisterAsync("ana");

        var replies = await ana.AskAsync("ADMIN", "259");
        Assert.Equal(["ana", "test.server", "Administrative info"], replies.Single("256").Parameters);
        Assert.Equal(["ana", "Madrid, ES"], replies.Single("257").Parameters);
        Assert.Equal("258", replies[^2].Command);
        Assert.Equal(["ana", "admin@example.org"], replies[^1].Parameters);
    }

    [Fact]
    public async Task Admin_has_defaults_without_configuration()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");

        var replies = await ana.AskAsync("ADMIN", "259");
        Assert.Equal(["256", "257", "258", "259"], replies.Select(m => m.Command));
        Assert.All(replies, m => Assert.False(string.IsNullOrWhiteSpace(m.Parameters[^1])));
    }

    [Fact]
    public async Task Motd_comes_from_configured_lines()
    {
        await using var server = await TestServer.StartAsync(o => o with { Motd = ["Bienvenidos", "Be kind"] });
        using var ana = await server.RegisterAsync("ana");

        var replies = await ana.AskAsync("MOTD", "376");
        Assert.Equal("375", replies[0].Command);
        Assert.Equal(["- Bienvenidos", "- Be kind"], replies.Where(m => m.Command == "372").Select(m => m.Parameters[1]));
    }

    [Fact]
    public async Task Motd_comes_from_the_file_and_is_reread_each_time()
    {
        string path = Path.Combine(Path.GetTempPath(), $"chat-motd-{Guid.NewGuid():N}.txt");
        await File.WriteAllLinesAsync(path, ["line one", "line two"]);
        try
        {
            await using var server = await TestServer.StartAsync(o => o with { MotdFile = path });
            using var ana = await server.RegisterAsync("ana");

            var replies = await ana.AskAsync("MOTD", "376");
            Assert.Equal(["- line one", "- line two"], replies.Where(m => m.Command == "372").Select(m => m.Parameters[1]));

            await File.WriteAllLinesAsync(path, ["changed"]);
            var again = await ana.AskAsync("MOTD", "376");
            Assert.Equal(["- changed"], again.Where(m => m.Command == "372").Select(m => m.Parameters[1]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Missing_motd_file_answers_422_at_registration_and_on_request()
    {
        string path = Path.Combine(Path.GetTempPath(), $"chat-missing-{Guid.NewGuid():N}.txt");
        await using var server = await TestServer.StartAsync(o => o with { MotdFile = path });
        using var ana = await server.ConnectAsync();
        ana.Send("NICK ana");
        ana.Send("USER ana 0 * :Ana");
        var atRegistration = await ana.ReplyAsync("422");
        Assert.DoesNotContain(atRegistration, m => m.Command is "375" or "376");

        var replies = await ana.AskAsync("MOTD", "422");
        Assert.Equal(["ana", "MOTD File is missing"], replies[^1].Parameters);
    }

    [Fact]
    public async Task Myinfo_advertises_user_modes_i_and_o()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.ConnectAsync();
        ana.Send("NICK ana");
        ana.Send("USER ana 0 * :Ana");
        var myInfo = await ana.ExpectAsync(m => m.Command == "004");
        Assert.Equal("io", myInfo.Parameters[3]);
    }

    [Fact]
    public async Task Lusers_still_answers_251_and_255()
    {
        await using var server = await TestServer.StartAsync();
        using var ana = await server.RegisterAsync("ana");
        var replies = await ana.AskAsync("LUSERS", "255");
        Assert.Contains(replies, m => m.Command == "251");
        Assert.DoesNotContain(replies, m => m.Command == "252");
    }
}
