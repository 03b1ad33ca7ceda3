using System.Text;
using Chat.Core.Protocol;
using Chat.Server.Accounts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Chat.Server.Tests;

/// <summary>Password hashing is CPU-heavy (600,000 PBKDF2 iterations): these run alone, not beside timing-sensitive tests.</summary>
[CollectionDefinition("CPU-heavy", DisableParallelization = true)]
public sealed class CpuHeavyCollection;

[Collection("CPU-heavy")]
public class AccountTests
{
    internal const string Password = "hunter2-but-longer";

    internal static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static string Unb64(string s) => Encoding.UTF8.GetString(Convert.FromBase64String(s));

    /// <summary>Starts registration with CAP LS 302 and NICK/USER, leaving CAP open.</summary>
    internal static async Task<TestClient> OpenAsync(TestServer server, string nick, string caps = "sasl")
    {
        var c = await server.ConnectAsync();
        c.Send("CAP LS 302");
        c.Send($"NICK {nick}");
        c.Send($"USER {nick} 0 * :{nick}");
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "LS");
        c.Send($"CAP REQ :{caps}");
        await c.ExpectAsync(m => m.Command == "CAP" && m.Parameters[1] == "ACK");
        return c;
    }

    /// <summary>Registers an account with REGISTER before CAP END, then ends registration.</summary>
    internal static async Task<TestClient> RegisteredAsync(TestServer server, string nick, string caps = "draft/account-registration")
    {
        var c = await OpenAsync(server, nick, caps);
        c.Send($"REGISTER * * {Password}");
        var ok = await c.ExpectAsync(m => m.Command is "REGISTER" or "FAIL");
        Assert.Equal(["SUCCESS", nick], ok.Parameters.Take(2));
        await c.ExpectAsync(m => m.Command == "900");
        c.Send("CAP END");
        await c.ExpectAsync(m => m.Command == "376");
        return c;
    }

    [Fact]
    public async Task Sasl_and_account_registration_are_advertised_with_their_values()
    {
        await using var server = await TestServer.StartAsync();
        using var c = await server.ConnectAsync();
        c.Send("CAP LS 302");
        var ls = await c.ExpectAsync(m => m.Command == "CAP");
        var caps = ls.Parameters[^1].Split(' ');
        Assert.Contains("sasl=PLAIN,SCRAM-SHA-256", caps);
        Assert.Contains("draft/account-registration=before-connect", caps);
    }

    [Fact]
    public async Task Register_before_connect_then_sasl_plain_logs_in_with_the_account()
    {
        await using var server = await TestServer.StartAsync();
        using (var first = await RegisteredAsync(server, "Juan"))
        {
            first.Send("QUIT");
            await first.ReadUntilClosedAsync();
        }

        using var c = await OpenAsync(server, "Juan");
        c.Send("AUTHENTICATE PLAIN");
        await c.ExpectAsync(m => m.Command == "AUTHENTICATE" && m.Parameters[0] == "+");
        c.Send("AUTHENTICATE " + B64($"\0juan\0{Password}"));
        var loggedIn = await c.ExpectAsync(m => m.Command == "900");
        Assert.Equal("Juan", loggedIn.Parameters[2]);
        await c.ExpectAsync(m => m.Command == "903");
        c.Send("CAP END");
        await c.ExpectAsync(m => m.Command == "001");
        c.Send("AUTHENTICATE PLAIN");
        await c.ExpectAsync(m => m.Command == "907");
    }

    [Fact]
    public async Task Sasl_plain_fails_on_a_wrong_password_an_unknown_account_and_can_be_aborted()
    {
        await using var server = await TestServer.StartAsync();
        (await RegisteredAsync(server, "Ana")).Dispose();
        using var c = await OpenAsync(server, "someone");
        c.Send("AUTHENTICATE PLAIN");
        await c.ExpectAsync(m => m.Command == "AUTHENTICATE");
        c.Send("AUTHENTICATE " + B64("\0Ana\0wrong-password"));
        await c.ExpectAsync(m => m.Command == "904");

        c.Send("AUTHENTICATE PLAIN");
        await c.ExpectAsync(m => m.Command == "AUTHENTICATE");
        c.Send("AUTHENTICATE " + B64($"\0nobody\0{Password}"));
        await c.ExpectAsync(m => m.Command == "904");

        c.Send("AUTHENTICATE PLAIN");
        await c.ExpectAsync(m => m.Command == "AUTHENTICATE");
        c.Send("AUTHENTICATE *");
        await c.ExpectAsync(m => m.Command == "906");

        c.Send("AUTHENTICATE EXTERNAL");
        var mechs = await c.ExpectAsync(m => m.Command == "908");
        Assert.Equal("PLAIN,SCRAM-SHA-256", mechs.Parameters[1]);
        await c.ExpectAsync(m => m.Command == "904");

        c.Send("AUTHENTICATE PLAIN");
        await c.ExpectAsync(m => m.Command == "AUTHENTICATE");
        c.Send("AUTHENTICATE " + new string('A', 401));
        await c.ExpectAsync(m => m.Command == "905");

        c.Send("CAP END");
        var welcome = await c.ExpectAsync(m => m.Command == "001");
        Assert.Equal("someone", welcome.Parameters[0]);
    }

    [Fact]
    public async Task Sasl_scram_sha_256_logs_in_without_the_server_knowing_the_password()
    {
        await using var server = await TestServer.StartAsync();
        (await RegisteredAsync(server, "Eva")).Dispose();

        async Task<TestClient> Scram(string user, string password)
        {
            var c = await OpenAsync(server, "scram" + Random.Shared.Next(1000));
            c.Send("AUTHENTICATE SCRAM-SHA-256");
            await c.ExpectAsync(m => m.Command == "AUTHENTICATE" && m.Parameters[0] == "+");
            string clientFirstBare = $"n={user},r=rOprNGfwEbeRWgbNEkqO";
            c.Send("AUTHENTICATE " + B64("n,," + clientFirstBare));
            var serverFirst = Unb64((await c.ExpectAsync(m => m.Command == "AUTHENTICATE")).Parameters[0]);
            Assert.StartsWith("r=rOprNGfwEbeRWgbNEkqO", serverFirst);
            Assert.Contains(",i=600000", serverFirst);
            var (final, signature) = ScramExchange.ClientProof(password, clientFirstBare, serverFirst);
            c.Send("AUTHENTICATE " + B64(final));
            var reply = await c.ExpectAsync(m => m.Command is "AUTHENTICATE" or "904");
            if (reply.Command == "AUTHENTICATE")
            {
                Assert.Equal(signature, Unb64(reply.Parameters[0]));
                c.Send("AUTHENTICATE +");
            }

            return c;
        }

        using var good = await Scram("Eva", Password);
        Assert.Equal("Eva", (await good.ExpectAsync(m => m.Command == "900")).Parameters[2]);
        await good.ExpectAsync(m => m.Command == "903");

        using var wrong = await Scram("Eva", "not-the-password");
        Assert.DoesNotContain(wrong.Seen, l => l.Contains(" 900 ", StringComparison.Ordinal));

        using var unknown = await Scram("Nobody", Password);
        Assert.Contains(unknown.Seen, l => l.Contains(" 904 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Register_rejects_bad_requests_with_fail_replies()
    {
        await using var server = await TestServer.StartAsync();
        (await RegisteredAsync(server, "Taken")).Dispose();
        using var c = await OpenAsync(server, "Newbie", "draft/account-registration");

        async Task<string[]> Fail(string line)
        {
            c.Send(line);
            return (await c.ExpectAsync(m => m.Command == "FAIL")).Parameters.Take(3).ToArray();
        }

        Assert.Equal(["REGISTER", "WEAK_PASSWORD", "Newbie"], await Fail("REGISTER * * short"));
        Assert.Equal(["REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", "Other"], await Fail($"REGISTER Other * {Password}"));
        Assert.Equal(["REGISTER", "INVALID_EMAIL", "Newbie"], await Fail($"REGISTER * not-an-email {Password}"));
        Assert.Equal(["VERIFY", "INVALID_CODE", "Newbie"], await Fail("VERIFY Newbie 1234"));
        c.Send("NICK taken");
        Assert.Equal(["REGISTER", "ACCOUNT_EXISTS", "taken"], await Fail($"REGISTER * * {Password}"));
        c.Send("NICK Newbie");
        c.Send($"REGISTER * newbie@example.org {Password}");
        await c.ExpectAsync(m => m.Command == "REGISTER" && m.Parameters[0] == "SUCCESS");
        Assert.Equal(["REGISTER", "ALREADY_AUTHENTICATED", "Newbie"], await Fail($"REGISTER * * {Password}"));
    }

    [Fact]
    public async Task NickServ_registers_and_identifies_and_its_nick_is_reserved()
    {
        await using var server = await TestServer.StartAsync();
        using (var c = await server.JoinAsync("Luis"))
        {
            c.Send("PRIVMSG NickServ :REGISTER " + Password);
            var notice = await c.ExpectAsync(m => m.Command == "NOTICE" && m.Source!.StartsWith("NickServ!", StringComparison.Ordinal));
            Assert.Equal("The account Luis is registered and you are logged in.", notice.Parameters[1]);
            c.Send("QUIT");
            await c.ReadUntilClosedAsync();
        }

        using var d = await server.WithCapsAsync("Luis", "account-tag");
        d.Send("PRIVMSG NickServ :IDENTIFY wrong-password");
        Assert.Equal("Invalid account or password.", (await d.ExpectAsync(m => m.Command == "NOTICE" && m.Source!.StartsWith("NickServ!", StringComparison.Ordinal) && m.Parameters[1].StartsWith("Invalid", StringComparison.Ordinal))).Parameters[1]);
        d.Send("PRIVMSG NickServ :IDENTIFY Luis " + Password);
        await d.ExpectAsync(m => m.Command == "900");
        await d.ExpectAsync(m => m.Command == "NOTICE" && m.Parameters[1] == "You are now logged in as Luis.");

        d.Send("NICK NickServ");
        await d.ExpectAsync(m => m.Command == "433");
        using var plain = await server.ConnectAsync();
        plain.Send("nickserv");
        await plain.ExpectLineAsync(l => l.Contains("already in use", StringComparison.Ordinal));

        // NickServ traffic is never history.
        d.Send("CHATHISTORY LATEST NickServ * 10");
        var store = server.Server.Store;
        Assert.Equal(0, await store.CountAsync());
    }

    [Fact]
    public async Task Logging_in_tells_room_mates_with_account_notify_and_tags_messages()
    {
        await using var server = await TestServer.StartAsync();
        (await RegisteredAsync(server, "Rosa")).Dispose();
        using var watcher = await server.WithCapsAsync("watcher", "account-notify account-tag extended-join");
        using var rosa = await server.JoinAsync("Rosa");
        rosa.Send("PRIVMSG NickServ :IDENTIFY " + Password);
        var account = await watcher.ExpectAsync(m => m.Command == "ACCOUNT");
        Assert.Equal("Rosa", account.Parameters[0]);
        Assert.StartsWith("Rosa!", account.Source);
        rosa.Send("PRIVMSG #general :hola");
        var said = await watcher.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("Rosa", said.Tags["account"]);
        rosa.Send("PART #general");
        rosa.Send("JOIN #general");
        var join = await watcher.ExpectAsync(m => m.Command == "JOIN");
        Assert.Equal(["#general", "Rosa", "Rosa test"], join.Parameters);
    }

    [Fact]
    public async Task A_registered_nick_taken_without_logging_in_is_renamed_after_the_grace_period()
    {
        await using var server = await TestServer.StartAsync(o => o with
        {
            Accounts = o.Accounts with { NickGracePeriod = TimeSpan.FromMilliseconds(300) },

            // REGISTER derives two PBKDF2 keys before CAP END: on a loaded machine 2 s was too short.
            RegistrationTimeout = TimeSpan.FromSeconds(15),
        });
        (await RegisteredAsync(server, "Marta")).Dispose();
        using var mate = await server.JoinAsync("mate");
        using var impostor = await server.JoinAsync("marta");
        var warning = await impostor.ExpectAsync(m => m.Command == "NOTICE" && m.Source!.StartsWith("NickServ!", StringComparison.Ordinal));
        Assert.Contains("is registered", warning.Parameters[1]);
        impostor.Send("CHATHISTORY LATEST somebody * 10");
        var refused = await impostor.ExpectAsync(m => m.Command == "FAIL");
        Assert.Equal(["CHATHISTORY", "INVALID_TARGET"], refused.Parameters.Take(2));
        var nick = await impostor.ExpectAsync(m => m.Command == "NICK", TimeSpan.FromSeconds(10));
        Assert.StartsWith("Guest", nick.Parameters[0]);
        await mate.ExpectAsync(m => m.Command == "NICK" && m.Parameters[0] == nick.Parameters[0]);
        await impostor.ExpectAsync(m => m.Command == "NOTICE" && m.Parameters[1].Contains(nick.Parameters[0], StringComparison.Ordinal));

        // The owner, logged in, keeps it.
        using var owner = await OpenAsync(server, "Marta");
        owner.Send("AUTHENTICATE PLAIN");
        await owner.ExpectAsync(m => m.Command == "AUTHENTICATE");
        owner.Send("AUTHENTICATE " + B64($"Marta\0Marta\0{Password}"));
        await owner.ExpectAsync(m => m.Command == "903");
        owner.Send("CAP END");
        await owner.ExpectAsync(m => m.Command == "376");
        await owner.ExpectSilenceAsync(TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Repeated_failures_are_slowed_per_account_and_per_address()
    {
        var options = new AccountOptions { FreeFailures = 2, FailureDelay = TimeSpan.FromSeconds(10) };
        var now = DateTimeOffset.UtcNow;
        var throttle = new LoginThrottle(options, () => now);
        Assert.Null(throttle.RetryAfter("account:x"));
        throttle.Failed("account:x", "address:1");
        throttle.Failed("account:x", "address:1");
        Assert.Equal(TimeSpan.FromSeconds(10), throttle.RetryAfter("account:x"));
        throttle.Failed("account:x", "address:1");
        Assert.Equal(TimeSpan.FromSeconds(20), throttle.RetryAfter("account:x", "address:2"));
        now += TimeSpan.FromSeconds(21);
        Assert.Null(throttle.RetryAfter("account:x"));
        throttle.Failed("account:x");
        Assert.Equal(TimeSpan.FromSeconds(40), throttle.RetryAfter("account:x"));
        throttle.Succeeded("account:x");
        Assert.Null(throttle.RetryAfter("account:x"));

        // Over the wire: after the free failures even the right password is refused for a while.
        await using var server = await TestServer.StartAsync(o => o with { Accounts = o.Accounts with { FreeFailures = 2, FailureDelay = TimeSpan.FromMinutes(1) } });
        (await RegisteredAsync(server, "Pia")).Dispose();
        using var c = await OpenAsync(server, "guesser");
        foreach (var guess in new[] { "guess-one", "guess-two", Password })
        {
            c.Send("AUTHENTICATE PLAIN");
            await c.ExpectAsync(m => m.Command == "AUTHENTICATE");
            c.Send("AUTHENTICATE " + B64($"\0Pia\0{guess}"));
            await c.ExpectAsync(m => m.Command == "904");
        }

        Assert.Contains(c.Seen, l => l.Contains("RATE_LIMITED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Require_account_refuses_users_who_did_not_log_in()
    {
        await using var server = await TestServer.StartAsync(o => o with { Accounts = o.Accounts with { RequireAccount = true } });
        using var anon = await server.ConnectAsync();
        anon.Send("NICK anon");
        anon.Send("USER anon 0 * :anon");
        var lines = await anon.ReadUntilClosedAsync();
        Assert.Contains(lines, l => l.Contains("FAIL * ACCOUNT_REQUIRED", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(" 001 ", StringComparison.Ordinal));

        using var plain = await server.ConnectAsync();
        plain.Send("Pepe");
        var plainLines = await plain.ReadUntilClosedAsync();
        Assert.Contains(plainLines, l => l.StartsWith("This server requires an account", StringComparison.Ordinal));

        // Registering before CAP END is logging in.
        using var member = await RegisteredAsync(server, "Member");
        Assert.Contains(member.Seen, l => l.Contains(" 001 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Account_rooms_are_only_for_logged_in_users()
    {
        await using var server = await TestServer.StartAsync(o => o with { Accounts = o.Accounts with { AccountRooms = ["#members"] } });
        using var anon = await server.RegisterAsync("anon");
        anon.Send("JOIN #members");
        var refused = await anon.ExpectAsync(m => m.Command == "477");
        Assert.Equal("#members", refused.Parameters[1]);
        using var member = await RegisteredAsync(server, "Member");
        member.Send("JOIN #members");
        await member.ExpectAsync(m => m.Command == "366");
    }

    [Fact]
    public async Task No_clear_text_password_reaches_the_database_or_the_log_file()
    {
        using var dir = new TempDir();
        string logFile = Path.Combine(dir.Path, "chat.log");
        var options = new ServerOptions
        {
            Host = System.Net.IPAddress.Loopback,
            Port = 0,
            ServerName = "test.server",
            Culture = System.Globalization.CultureInfo.GetCultureInfo("en"),
            Store = new Storage.StoreOptions { DataDirectory = Path.Combine(dir.Path, "data") },
        };
        using (var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FileLoggerProvider(logFile))))
        {
            var server = new ChatServer(options, loggers);
            await server.StartAsync();
            using (var c = await TestClient.ConnectAsync(server.EndPoint!.Port))
            {
                c.Send("CAP LS 302");
                c.Send("CAP REQ :sasl draft/account-registration");
                c.Send("NICK Secretive");
                c.Send("USER s 0 * :s");
                c.Send($"REGISTER * * {Password}");
                await c.ExpectAsync(m => m.Command == "903" || m.Command == "900");
                c.Send("CAP END");
                await c.ExpectAsync(m => m.Command == "376");
                c.Send("JOIN #general");
                c.Send($"PRIVMSG NickServ :REGISTER {Password}");
                await c.ExpectAsync(m => m.Command == "NOTICE" && m.Parameters[1].StartsWith("You are already", StringComparison.Ordinal));
                c.Send("PRIVMSG #general :an ordinary message");
                c.Send("PING :x");
                await c.ExpectAsync(m => m.Command == "PONG");
            }

            using (var d = await TestClient.ConnectAsync(server.EndPoint!.Port))
            {
                d.Send("CAP LS 302");
                d.Send("CAP REQ sasl");
                d.Send("NICK other");
                d.Send("USER o 0 * :o");
                d.Send("CAP END");
                d.Send($"PRIVMSG NickServ :IDENTIFY Secretive {Password}-wrong");
                await d.ExpectAsync(m => m.Command == "NOTICE" && m.Parameters[1].StartsWith("Invalid", StringComparison.Ordinal));
                d.Send("AUTHENTICATE PLAIN");
                await d.ExpectAsync(m => m.Command == "AUTHENTICATE");
                d.Send("AUTHENTICATE " + B64($"\0Secretive\0{Password}"));
                await d.ExpectAsync(m => m.Command == "903");
            }

            await server.StopAsync();
        }

        SqliteConnection.ClearAllPools();
        var needle = Encoding.UTF8.GetBytes(Password);
        var files = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("chat.db", StringComparison.Ordinal));
        Assert.Contains("Secretive", await File.ReadAllTextAsync(logFile));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{file} contains the password");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(B64($"\0Secretive\0{Password}"))) < 0, $"{file} contains the SASL payload");
        }
    }

    /// <summary>A minimal file logger for the test above: every message, formatted, to one file.</summary>
    private sealed class FileLoggerProvider(string path) : ILoggerProvider
    {
        private readonly object _gate = new();
        private readonly string _path = path;

        public ILogger CreateLogger(string categoryName) => new FileLogger(this);

        public void Dispose()
        {
        }

        private sealed class FileLogger(FileLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._gate)
                {
                    File.AppendAllText(owner._path, $"{logLevel} {formatter(state, exception)} {state} {exception}\n");
                }
            }
        }
    }
}
