using System.Globalization;
using System.Net;
using Chat.Server.Security;

namespace Chat.Server.Tests;

public class OperTests
{
    private const string Password = "correct horse battery staple";

    // PBKDF2 at 600,000 iterations takes a noticeable moment: hash once for every test.
    private static readonly Lazy<string> PasswordHash = new(() => PasswordHasher.Hash(Password));

    private static Task<TestServer> StartAsync() =>
        TestServer.StartAsync(o => o with { Operators = [new OperatorEntry("boss", PasswordHash.Value)] });

    [Fact]
    public async Task Oper_with_the_right_password_answers_381_and_sets_user_mode_o()
    {
        await using var server = await StartAsync();
        using var ana = await server.RegisterAsync("ana");

        ana.Send($"OPER boss :{Password}");
        var replies = await ana.ReplyAsync("381");
        Assert.Equal(["ana", "You are now an IRC operator"], replies[^1].Parameters);
        var mode = await ana.ExpectAsync(m => m.Command == "MODE");
        Assert.Equal(["ana", "+o"], mode.Parameters);

        var umode = await ana.AskAsync("MODE ana", "221");
        Assert.Equal("+o", umode[^1].Parameters[1]);
    }

    [Fact]
    public async Task Operators_show_in_whois_who_userhost_and_lusers()
    {
        await using var server = await StartAsync();
        using var ana = await server.JoinAsync("ana", "#room");
        using var beto = await server.JoinAsync("beto", "#room");
        await ana.AskAsync($"OPER boss :{Password}", "381");

        var whois = await beto.AskAsync("WHOIS ana", "318");
        Assert.Equal(["beto", "ana", "is an IRC operator"], whois.Single("313").Parameters);

        var who = await beto.AskAsync("WHO #room", "315");
        Assert.Equal("H*@", Assert.Single(who, m => m.Command == "352" && m.Parameters[5] == "ana").Parameters[6]);

        var operatorsOnly = await beto.AskAsync("WHO * o", "315");
        Assert.Equal(["ana"], operatorsOnly.Where(m => m.Command == "352").Select(m => m.Parameters[5]));

        var userhost = await beto.AskAsync("USERHOST ana", "302");
        Assert.Equal("ana*=+~ana@127.0.0.1", userhost[^1].Parameters[1]);

        var lusers = await beto.AskAsync("LUSERS", "255");
        Assert.Equal("1", lusers.Single("252").Parameters[1]);
    }

    [Fact]
    public async Task Oper_with_a_wrong_password_answers_464_and_an_unknown_name_491()
    {
        await using var server = await StartAsync();
        using var ana = await server.RegisterAsync("ana");

        var wrong = await ana.AskAsync("OPER boss wrong", "464");
        Assert.Equal(["ana", "Password incorrect"], wrong[^1].Parameters);

        var unknown = await ana.AskAsync($"OPER nobody :{Password}", "491");
        Assert.Equal("491", unknown[^1].Command);

        var tooFew = await ana.AskAsync("OPER boss", "461");
        Assert.Equal(["ana", "OPER", "Not enough parameters"], tooFew[^1].Parameters);

        var umode = await ana.AskAsync("MODE ana", "221");
        Assert.Equal("+", umode[^1].Parameters[1]);
    }

    [Fact]
    public async Task A_user_cannot_give_itself_o_but_an_operator_can_drop_it()
    {
        await using var server = await StartAsync();
        using var ana = await server.RegisterAsync("ana");

        ana.Send("MODE ana +o");
        Assert.DoesNotContain(await ana.SyncAsync(), m => m.Command == "MODE");
        Assert.Equal("+", (await ana.AskAsync("MODE ana", "221"))[^1].Parameters[1]);

        await ana.AskAsync($"OPER boss :{Password}", "381");
        ana.Send("MODE ana -o");
        var mode = await ana.ExpectAsync(m => m.Command == "MODE" && m.Parameters[1] == "-o");
        Assert.Equal("ana", mode.Parameters[0]);
        Assert.Equal("+", (await ana.AskAsync("MODE ana", "221"))[^1].Parameters[1]);
    }

    [Fact]
    public async Task Kill_needs_an_operator_481_and_an_existing_nick_401()
    {
        await using var server = await StartAsync();
        using var ana = await server.RegisterAsync("ana");
        using var beto = await server.RegisterAsync("beto");

        var denied = await ana.AskAsync("KILL beto :go away", "481");
        Assert.Equal(["ana", "Permission Denied- You're not an IRC operator"], denied[^1].Parameters);

        await ana.AskAsync($"OPER boss :{Password}", "381");
        var missing = await ana.AskAsync("KILL ghost :go away", "401");
        Assert.Equal(["ana", "ghost", "No such nick/channel"], missing[^1].Parameters);

        var tooFew = await ana.AskAsync("KILL beto", "461");
        Assert.Equal("KILL", tooFew[^1].Parameters[1]);

        // beto is untouched by all of that.
        await beto.SyncAsync();
    }

    [Fact]
    public async Task Kill_disconnects_the_user_and_room_mates_see_the_reason_as_quit()
    {
        await using var server = await StartAsync();
        using var boss = await server.JoinAsync("ana", "#room");
        using var victim = await server.JoinAsync("beto", "#room");
        using var witness = await server.JoinAsync("carla", "#room");
        await boss.AskAsync($"OPER boss :{Password}", "381");

        boss.Send("KILL beto :spamming");

        var kill = await victim.ExpectAsync(m => m.Command == "KILL");
        Assert.Equal("ana", kill.SourceNick);
        Assert.Equal(["beto", "spamming"], kill.Parameters);
        var rest = await victim.ReadUntilClosedAsync();
        Assert.Contains(rest, l => l.StartsWith("ERROR ", StringComparison.Ordinal) && l.Contains("Killed (ana (spamming))", StringComparison.Ordinal));

        var quit = await witness.ExpectAsync(m => m.Command == "QUIT");
        Assert.Equal("beto", quit.SourceNick);
        Assert.Equal(["Killed (ana (spamming))"], quit.Parameters);
    }

    [Fact]
    public async Task Oper_attempts_are_logged_without_the_password()
    {
        var logs = new CapturingLoggerFactory();
        var options = new ServerOptions
        {
            Host = IPAddress.Loopback,
            Port = 0,
            ServerName = "test.server",
            Culture = CultureInfo.GetCultureInfo("en"),
            ShutdownGrace = TimeSpan.FromSeconds(2),
            Operators = [new OperatorEntry("boss", PasswordHash.Value)],
        };
        await using var server = new ChatServer(options, logs);
        await server.StartAsync();
        using var ana = await TestClient.ConnectAsync(server.EndPoint!.Port);
        await ana.RegisterAsync("ana");

        await ana.AskAsync("OPER boss hunter2-wrong", "464");
        await ana.AskAsync($"OPER boss :{Password}", "381");

        Assert.Contains(logs.Lines, l => l.Contains("Failed OPER as boss", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("is now an IRC operator as boss", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("hunter2-wrong", StringComparison.Ordinal) || l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Chghost_tells_chghost_clients_and_rejoins_the_user_for_the_others()
    {
        await using var server = await StartAsync();
        using var boss = await server.JoinAsync("boss", "#room");
        await boss.AskAsync($"OPER boss :{Password}", "381");
        using var target = await server.JoinAsync("target", "#room");
        boss.Send("MODE #room +v target");
        await target.ExpectAsync(m => m.Command == "MODE");

        using var modern = await server.ConnectAsync();
        modern.Send("CAP REQ :chghost");
        modern.Send("NICK modern");
        modern.Send("USER modern 0 * :m");
        modern.Send("CAP END");
        await modern.ExpectAsync(m => m.Command == "376");
        modern.Send("JOIN #room");
        await modern.ExpectAsync(m => m.Command == "366");

        boss.Send("CHGHOST target new.host.example");
        var change = await modern.ExpectAsync(m => m.Command == "CHGHOST");
        Assert.Equal("target!~target@127.0.0.1", change.Source);
        Assert.Equal(["~target", "new.host.example"], change.Parameters);

        // boss has no chghost capability: a quit, a join with the new host, and the voice back.
        var quit = await boss.ExpectAsync(m => m.Command == "QUIT");
        Assert.Equal("target", quit.SourceNick);
        var join = await boss.ExpectAsync(m => m.Command == "JOIN");
        Assert.Equal("target!~target@new.host.example", join.Source);
        var voice = await boss.ExpectAsync(m => m.Command == "MODE");
        Assert.Equal(["#room", "+v", "target"], voice.Parameters);

        var whois = await modern.AskAsync("WHOIS target", "318");
        Assert.Equal("new.host.example", whois.Single("311").Parameters[3]);
    }

    [Fact]
    public async Task Chghost_needs_an_operator_and_a_valid_host()
    {
        await using var server = await StartAsync();
        using var ana = await server.RegisterAsync("ana");
        ana.Send("CHGHOST ana x.y");
        await ana.ExpectAsync(m => m.Command == "481");
        await ana.AskAsync($"OPER boss :{Password}", "381");
        ana.Send("CHGHOST nobody x.y");
        await ana.ExpectAsync(m => m.Command == "401");
        ana.Send("CHGHOST ana :bad host");
        var fail = await ana.ExpectAsync(m => m.Command == "FAIL");
        Assert.Equal(["CHGHOST", "INVALID_HOST"], fail.Parameters.Take(2));
    }
}
