using Chat.Server.Tests;
using Chat.Tests.Shared;

namespace Chat.Cluster.Tests;

/// <summary>Two and three nodes on one database: users on each see and reach the others.</summary>
public sealed class ChattingAcrossTests : IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _pg;

    public ChattingAcrossTests(PostgresFixture pg)
    {
        _pg = pg;
    }

    [Fact]
    public async Task The_first_node_brings_the_schema_up_to_date_and_each_node_logs_the_version_it_runs()
    {
        var log = new ListLogger();
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2, loggers: log.Factory());
        int latest = Chat.Server.Cluster.ClusterSchema.LatestVersion;
        var lines = log.Lines.ToList();

        Assert.Single(lines, l => l.EndsWith($"Node n1 brought the cluster schema from version 0 to {latest}", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("Node n2 brought", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith($"Node n1 joined the cluster (schema version {latest})", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith($"Node n2 joined the cluster (schema version {latest})", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Joins_messages_and_parts_cross_between_two_nodes()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2);
        var ana = await nodes.JoinAsync(0, "ana");
        var beto = await nodes.JoinAsync(1, "beto");

        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto" && m.Parameters[0] == "#general");
        await Nodes.WaitAsync(() => nodes[1].Server.State.FindChannel("#general")?.Count == 2, TimeSpan.FromSeconds(10), "n2 has both in #general");

        // NAMES on the second node lists the user of the first, and the count is shared.
        beto.Send("NAMES #general");
        var names = await beto.ExpectAsync(m => m.Command == "353");
        Assert.Contains("ana", names.Parameters[3].Split(' ').Select(n => n.TrimStart('@', '+')));
        Assert.Contains("beto", names.Parameters[3].Split(' ').Select(n => n.TrimStart('@', '+')));

        ana.Send("PRIVMSG #general :hola desde n1");
        var heard = await beto.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("ana", heard.SourceNick);
        Assert.Equal(["#general", "hola desde n1"], heard.Parameters);

        beto.Send("PRIVMSG #general :y yo desde n2");
        var answer = await ana.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("beto", answer.SourceNick);
        Assert.Equal("y yo desde n2", answer.Parameters[1]);

        beto.Send("PART #general :bye");
        var part = await ana.ExpectAsync(m => m.Command == "PART");
        Assert.Equal("beto", part.SourceNick);
        Assert.Equal("bye", part.Parameters[1]);

        beto.Send("QUIT :done");
        // beto left #general before quitting, so ana shares no room with it: no QUIT, but the nick is free everywhere.
        await nodes.SeesAsync(0, "beto", present: false);
    }

    [Fact]
    public async Task Nick_changes_topics_modes_and_kicks_are_seen_on_the_other_node()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2);
        var ana = await nodes.JoinAsync(0, "ana", "#room");
        var beto = await nodes.JoinAsync(1, "beto", "#room");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");

        // ana created the room, so ana is its operator on both nodes.
        ana.Send("TOPIC #room :cluster talk");
        var topic = await beto.ExpectAsync(m => m.Command == "TOPIC");
        Assert.Equal("ana", topic.SourceNick);
        Assert.Equal("cluster talk", topic.Parameters[1]);
        beto.Send("TOPIC #room");
        Assert.Equal("cluster talk", (await beto.ExpectAsync(m => m.Command == "332")).Parameters[2]);

        ana.Send("MODE #room +mv beto");
        var mode = await beto.ExpectAsync(m => m.Command == "MODE");
        Assert.Equal(["#room", "+mv", "beto"], mode.Parameters);
        beto.Send("MODE #room");
        Assert.Contains("m", (await beto.ExpectAsync(m => m.Command == "324")).Parameters[2]);

        // Voiced on its own node too: beto may speak in the moderated room.
        beto.Send("PRIVMSG #room :voiced");
        Assert.Equal("voiced", (await ana.ExpectAsync(m => m.Command == "PRIVMSG")).Parameters[1]);

        beto.Send("NICK roberto");
        var nick = await ana.ExpectAsync(m => m.Command == "NICK");
        Assert.Equal("beto", nick.SourceNick);
        Assert.Equal("roberto", nick.Parameters[0]);
        await nodes.SeesAsync(0, "roberto");
        await nodes.SeesAsync(0, "beto", present: false);

        ana.Send("KICK #room roberto :out");
        var kick = await beto.ExpectAsync(m => m.Command == "KICK");
        Assert.Equal(["#room", "roberto", "out"], kick.Parameters);
        beto.Send("NAMES #room");
        var names = await beto.ExpectAsync(m => m.Command == "353" || m.Command == "366");
        Assert.True(names.Command == "366" || !names.Parameters[3].Contains("roberto"), "roberto is no longer in #room on its own node");
    }

    [Fact]
    public async Task Whois_ison_and_private_messages_reach_users_of_another_node()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2);
        var ana = await nodes.RegisterAsync(0, "ana");
        var beto = await nodes.RegisterAsync(1, "beto");
        await nodes.SeesAsync(0, "beto");

        ana.Send("WHOIS beto");
        var whois = await ana.ExpectAsync(m => m.Command == "311");
        Assert.Equal("beto", whois.Parameters[1]);
        Assert.Equal("~beto", whois.Parameters[2]);
        await ana.ExpectAsync(m => m.Command == "318");

        ana.Send("WHO b*");
        var who = await ana.ExpectAsync(m => m.Command == "352");
        Assert.Equal("beto", who.Parameters[5]);
        await ana.ExpectAsync(m => m.Command == "315");

        ana.Send("ISON beto nobody");
        Assert.Equal("beto", (await ana.ExpectAsync(m => m.Command == "303")).Parameters[1]);

        ana.Send("PRIVMSG beto :secreto");
        var dm = await beto.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("ana", dm.SourceNick);
        Assert.Equal(["beto", "secreto"], dm.Parameters);

        beto.Send("AWAY :lunch");
        await beto.ExpectAsync(m => m.Command == "306");
        await Nodes.WaitAsync(() => nodes[0].Server.State.FindNick("beto")?.AwayMessage == "lunch", TimeSpan.FromSeconds(10), "beto is away on n1");
        ana.Send("PRIVMSG beto :are you there");
        Assert.Equal("lunch", (await ana.ExpectAsync(m => m.Command == "301")).Parameters[2]);
        Assert.Equal("are you there", (await beto.ExpectAsync(m => m.Command == "PRIVMSG")).Parameters[1]);

        beto.Send("NOTICE ana :back soon");
        var notice = await ana.ExpectAsync(m => m.Command == "NOTICE" && m.SourceNick == "beto");
        Assert.Equal("back soon", notice.Parameters[1]);
    }

    [Fact]
    public async Task Three_nodes_share_one_room()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 3);
        var clients = new[]
        {
            await nodes.JoinAsync(0, "uno"),
            await nodes.JoinAsync(1, "dos"),
            await nodes.JoinAsync(2, "tres"),
        };
        await clients[0].ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "tres");
        await clients[1].ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "tres");

        for (int i = 0; i < 3; i++)
        {
            clients[i].Send($"PRIVMSG #general :from {i}");
        }

        for (int i = 0; i < 3; i++)
        {
            var heard = new HashSet<string>();
            while (heard.Count < 2)
            {
                heard.Add((await clients[i].ExpectAsync(m => m.Command == "PRIVMSG")).Parameters[1]);
            }

            Assert.Equal(Enumerable.Range(0, 3).Where(j => j != i).Select(j => $"from {j}").ToHashSet(), heard);
        }

        clients[2].Send("LIST");
        var list = await clients[2].ExpectAsync(m => m.Command == "322");
        Assert.Equal("3", list.Parameters[2]);

        clients[1].Send("QUIT :bye");
        Assert.Equal("dos", (await clients[0].ExpectAsync(m => m.Command == "QUIT")).SourceNick);
        Assert.Equal("dos", (await clients[2].ExpectAsync(m => m.Command == "QUIT")).SourceNick);
    }

    [Fact]
    public async Task A_message_too_large_for_notify_travels_by_reference()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2);
        var ana = await nodes[0].WithCapsAsync("ana", "message-tags");
        var beto = await nodes[1].WithCapsAsync("beto", "message-tags");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");

        string big = new('x', 7600);
        ana.Send($"@+big={big} PRIVMSG #general :large");
        var heard = await beto.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("large", heard.Parameters[1]);
        Assert.Equal(big, heard.Tags["+big"]);
    }

    [Fact]
    public async Task A_clean_stop_announces_the_nodes_users_and_frees_their_nicks()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2);
        var ana = await nodes.JoinAsync(0, "ana");
        await nodes.JoinAsync(1, "beto");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");

        await nodes[1].Server.StopAsync();
        var quit = await ana.ExpectAsync(m => m.Command == "QUIT", TimeSpan.FromSeconds(5));
        Assert.Equal("beto", quit.SourceNick);
        await nodes.SeesAsync(0, "beto", present: false);

        var again = await nodes.RegisterAsync(0, "beto");
        again.Send("WHOIS beto");
        await again.ExpectAsync(m => m.Command == "311");
    }

    [Fact]
    public async Task A_node_that_starts_later_loads_the_current_picture()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 1);
        var ana = await nodes.JoinAsync(0, "ana", "#lounge");
        ana.Send("TOPIC #lounge :before you came");
        await ana.ExpectAsync(m => m.Command == "TOPIC");
        ana.Send("MODE #lounge +mk sesame");
        await ana.ExpectAsync(m => m.Command == "MODE");
        ana.Send("AWAY :brb");
        await ana.ExpectAsync(m => m.Command == "306");
        await Task.Delay(300); // the writes reach the tables

        await nodes.AddAsync("n2");
        var beto = await nodes.RegisterAsync(1, "beto");
        beto.Send("JOIN #lounge");
        Assert.Equal("475", (await beto.ExpectAsync(m => m.Command is "475" or "366")).Command);
        beto.Send("JOIN #lounge sesame");
        Assert.Equal("before you came", (await beto.ExpectAsync(m => m.Command == "332")).Parameters[2]);
        var names = await beto.ExpectAsync(m => m.Command == "353");
        Assert.Contains("@ana", names.Parameters[3].Split(' '));
        Assert.Contains("beto", names.Parameters[3].Split(' '));

        // Not an operator there, and the room is moderated: beto cannot speak.
        beto.Send("PRIVMSG #lounge :hello?");
        await beto.ExpectAsync(m => m.Command == "404");
        beto.Send("WHOIS ana");
        Assert.Equal("brb", (await beto.ExpectAsync(m => m.Command == "301")).Parameters[2]);
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");
    }

    [Fact]
    public async Task Plain_users_talk_across_nodes_too()
    {
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2);
        using var plain = await nodes[0].PlainAsync("Ana");
        var beto = await nodes.JoinAsync(1, "Beto");
        await plain.ExpectLineAsync(l => l.Contains("Beto", StringComparison.Ordinal));

        plain.Send("hola a todos");
        var heard = await beto.ExpectAsync(m => m.Command == "PRIVMSG");
        Assert.Equal("Ana", heard.SourceNick);
        Assert.Equal("hola a todos", heard.Parameters[1]);

        beto.Send("PRIVMSG #general :hola Ana");
        await plain.ExpectLineAsync(l => l == "Beto: hola Ana");

        // The alias is taken cluster-wide.
        using var second = await nodes[1].ConnectAsync();
        second.Send("Ana");
        await second.ExpectLineAsync(l => l.Contains("Ana", StringComparison.Ordinal) && !l.StartsWith(':'));
        Assert.Null(nodes[1].Server.State.ClientsSnapshot().FirstOrDefault(c => !c.IsRemote && c.Nick == "Ana"));
    }

    [Fact]
    public async Task An_operator_kills_a_user_on_another_node()
    {
        const string password = "cluster oper password";
        string hash = Chat.Server.Security.PasswordHasher.Hash(password);
        await using var nodes = await Nodes.StartAsync(await _pg.CreateDatabaseAsync("chat"), 2,
            configure: o => o with { Operators = [new Chat.Server.OperatorEntry("boss", hash)] });
        var ana = await nodes.JoinAsync(0, "ana");
        var beto = await nodes.JoinAsync(1, "beto");
        await ana.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "beto");
        ana.Send($"OPER boss :{password}");
        await ana.ExpectAsync(m => m.Command == "381");

        ana.Send("KILL beto :spamming");
        var kill = await beto.ExpectAsync(m => m.Command == "KILL");
        Assert.Equal("ana", kill.SourceNick);
        Assert.Equal("spamming", kill.Parameters[1]);
        var quit = await ana.ExpectAsync(m => m.Command == "QUIT" && m.SourceNick == "beto");
        Assert.Equal("Killed (ana (spamming))", quit.Parameters[0]);
        await nodes.SeesAsync(0, "beto", present: false);
    }
}
