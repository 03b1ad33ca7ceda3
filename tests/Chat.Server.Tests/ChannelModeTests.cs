namespace Chat.Server.Tests;

public class ChannelModeTests
{
    [Fact]
    public async Task Mode_query_shows_key_and_limit_parameters_and_hides_the_key_from_outsiders()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("qop", "#q");
        await op.SetModeAsync("#q", "+kl sesame 5");
        var replies = await op.RoundTripAsync("MODE #q");
        var modeIs = Assert.Single(replies, m => m.Command == "324");
        Assert.Equal(["qop", "#q", "+klnt", "sesame", "5"], modeIs.Parameters);
        var created = Assert.Single(replies, m => m.Command == "329");
        Assert.True(long.Parse(created.Parameters[2]) > 0);

        using var outsider = await server.RegisterAsync("qout");
        var seen = await outsider.RoundTripAsync("MODE #q");
        Assert.Equal(["qout", "#q", "+klnt", "*", "5"], Assert.Single(seen, m => m.Command == "324").Parameters);
    }

    [Fact]
    public async Task Removing_every_mode_leaves_a_bare_plus()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("bare", "#bare");
        await op.SetModeAsync("#bare", "+imsk key");
        var removed = await op.SetModeAsync("#bare", "-imnstk");
        Assert.Equal(["#bare", "-imnstk", "*"], removed.Parameters);
        var replies = await op.RoundTripAsync("MODE #bare");
        Assert.Equal(["bare", "#bare", "+"], Assert.Single(replies, m => m.Command == "324").Parameters);
    }

    [Fact]
    public async Task Changes_are_broadcast_once_with_only_what_changed()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("chop", "#ch");
        using var guest = await server.JoinAsync("chguest", "#ch");
        await op.UntilFenceAsync();

        // +n and +t are already set: only +i and +v change.
        op.Send("MODE #ch +ntiv chguest");
        var change = await guest.ExpectCommandAsync("MODE");
        Assert.Equal("chop", change.SourceNick);
        Assert.Equal(["#ch", "+iv", "chguest"], change.Parameters);
        var echoed = await op.UntilFenceAsync();
        Assert.Single(echoed, m => m.Command == "MODE");

        // Nothing changes at all: no MODE line for anyone.
        Assert.Empty(await op.RoundTripAsync("MODE #ch +nti-m"));
        Assert.DoesNotContain(await guest.UntilFenceAsync(), m => m.Command == "MODE");
    }

    [Fact]
    public async Task Signs_are_grouped_in_one_line_with_parameters_in_order()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("grp", "#grp");
        using var a = await server.JoinAsync("grpa", "#grp");
        var change = await op.SetModeAsync("#grp", "+kv-t+l key grpa 9");
        Assert.Equal(["#grp", "+kv-t+l", "key", "grpa", "9"], change.Parameters);
    }

    [Fact]
    public async Task At_most_MODES_parameterised_changes_are_applied_per_command()
    {
        await using var server = await TestServer.StartAsync();
        var (op, tokens, _) = await server.RegisterWithIsupportAsync("many");
        using var _op = op;
        int modes = int.Parse(tokens["MODES"]);
        Assert.Equal(4, modes);
        await op.JoinRoomAsync("#many");
        var nicks = new List<string>();
        var others = new List<TestClient>();
        for (int i = 0; i <= modes; i++)
        {
            nicks.Add($"m{i}");
            others.Add(await server.JoinAsync($"m{i}", "#many"));
        }

        await op.UntilFenceAsync();
        var change = await op.SetModeAsync("#many", "+" + new string('v', nicks.Count) + " " + string.Join(' ', nicks));
        Assert.Equal(["#many", "+" + new string('v', modes), .. nicks.Take(modes)], change.Parameters);
        var names = Assert.Single(await op.RoundTripAsync("NAMES #many"), m => m.Command == "353");
        Assert.Contains(nicks[^1], names.Parameters[^1].Split(' '));
        Assert.DoesNotContain("+" + nicks[^1], names.Parameters[^1].Split(' '));
        others.ForEach(o => o.Dispose());
    }

    [Fact]
    public async Task Ban_masks_are_normalised_listed_and_keep_banned_users_out()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("banop", "#ban");
        var set = await op.SetModeAsync("#ban", "+b BAR");
        Assert.Equal(["#ban", "+b", "BAR!*@*"], set.Parameters);

        using var bar = await server.RegisterAsync("bar");
        var refused = await bar.RoundTripAsync("JOIN #ban");
        var err = Assert.Single(refused);
        Assert.Equal("474", err.Command);
        Assert.Equal(["bar", "#ban"], err.Parameters.Take(2));

        // Anyone may read the list, with "MODE #c +b" or "MODE #c b".
        foreach (string query in new[] { "MODE #ban +b", "MODE #ban b" })
        {
            var list = await bar.RoundTripAsync(query);
            Assert.Equal(["367", "368"], list.Commands());
            Assert.Equal("BAR!*@*", list[0].Parameters[2]);
            Assert.StartsWith("banop!", list[0].Parameters[3]);
            Assert.True(long.Parse(list[0].Parameters[4]) > 0);
        }

        // Removal matches case-insensitively and echoes the stored mask.
        var unset = await op.SetModeAsync("#ban", "-b bar!*@*");
        Assert.Equal(["#ban", "-b", "BAR!*@*"], unset.Parameters);
        bar.Send("JOIN #ban");
        await bar.ExpectAsync(m => m.Command == "JOIN" && m.SourceNick == "bar");
        Assert.Equal(["368"], (await op.RoundTripAsync("MODE #ban b")).Where(m => m.Command != "JOIN").Commands());
    }

    [Fact]
    public async Task Host_ban_and_duplicate_ban_and_invalid_mask()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("hop", "#host");
        await op.SetModeAsync("#host", "+b *!*@127.0.0.*");
        Assert.Empty(await op.RoundTripAsync("MODE #host +b *!*@127.0.0.*"));
        var invalid = await op.RoundTripAsync("MODE #host +b :a,b");
        Assert.Equal(["hop", "#host", "b", "a,b"], Assert.Single(invalid, m => m.Command == "696").Parameters.Take(4));
        using var anyone = await server.RegisterAsync("anyone");
        Assert.Equal(["474"], (await anyone.RoundTripAsync("JOIN #host")).Commands());
    }

    [Fact]
    public async Task Banned_members_cannot_speak_unless_voiced_and_notice_stays_silent()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("spop", "#speak");
        using var troll = await server.JoinAsync("troll", "#speak");
        await op.SetModeAsync("#speak", "+b troll");
        await op.UntilFenceAsync();

        var refused = await troll.RoundTripAsync("PRIVMSG #speak :spam");
        var err = Assert.Single(refused, m => m.Command == "404");
        Assert.Equal(["troll", "#speak"], err.Parameters.Take(2));
        Assert.DoesNotContain(await troll.RoundTripAsync("NOTICE #speak :quiet spam"), m => m.Command != "MODE");
        Assert.DoesNotContain(await op.UntilFenceAsync(), m => m.Command is "PRIVMSG" or "NOTICE");

        await op.SetModeAsync("#speak", "+v troll");
        await troll.UntilFenceAsync();
        Assert.Empty(await troll.RoundTripAsync("PRIVMSG #speak :now allowed"));
        await op.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "now allowed");
    }

    [Fact]
    public async Task Key_is_required_to_join_and_keys_pair_with_rooms()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("keyop", "#k1");
        await op.JoinRoomAsync("#k2");
        await op.SetModeAsync("#k1", "+k beer");
        await op.SetModeAsync("#k2", "+k wine");

        using var guest = await server.RegisterAsync("keyguest");
        var noKey = await guest.RoundTripAsync("JOIN #k1");
        Assert.Equal(["475"], noKey.Commands());
        Assert.Equal(["keyguest", "#k1"], noKey[0].Parameters.Take(2));
        Assert.Equal(["475"], (await guest.RoundTripAsync("JOIN #k1 bees")).Commands());

        // "JOIN #a,#b k1,k2": the first key for the first room, the second for the second.
        var both = await guest.RoundTripAsync("JOIN #k2,#k1 wine,beer");
        Assert.Equal(["#k2", "#k1"], both.Where(m => m.Command == "JOIN").Select(m => m.Parameters[0]));
        Assert.DoesNotContain(both, m => m.Command == "475");
    }

    [Theory]
    [InlineData("passphrase with spaces")]
    [InlineData("")]
    [InlineData("has,comma")]
    [InlineData("exactly24characterslong!")]
    public async Task Invalid_keys_answer_696_and_change_nothing(string key)
    {
        await using var server = await TestServer.StartAsync();
        var (op, tokens, _) = await server.RegisterWithIsupportAsync("kv");
        using var _op = op;
        Assert.Equal("23", tokens["KEYLEN"]);
        await op.JoinRoomAsync("#kv");
        var replies = await op.RoundTripAsync($"MODE #kv +k :{key}");
        var err = Assert.Single(replies);
        Assert.Equal("696", err.Command);
        Assert.Equal(["kv", "#kv", "k", "*"], err.Parameters.Take(4));
        using var guest = await server.RegisterAsync("kvguest");
        guest.Send("JOIN #kv");
        await guest.ExpectAsync(m => m.Command == "JOIN");
    }

    [Fact]
    public async Task A_key_of_KEYLEN_characters_is_accepted()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("kl", "#kl");
        string key = new('k', Channel.MaxKeyLength);
        var set = await op.SetModeAsync("#kl", "+k " + key);
        Assert.Equal(["#kl", "+k", key], set.Parameters);
    }

    [Fact]
    public async Task Limit_keeps_newcomers_out_and_can_be_lifted()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("limop", "#lim");
        var set = await op.SetModeAsync("#lim", "+l 2");
        Assert.Equal(["#lim", "+l", "2"], set.Parameters);
        using var second = await server.JoinAsync("lim2", "#lim");
        using var third = await server.RegisterAsync("lim3");
        var full = await third.RoundTripAsync("JOIN #lim");
        Assert.Equal(["471"], full.Commands());
        Assert.Equal(["lim3", "#lim"], full[0].Parameters.Take(2));

        // An invitation gets one person past the limit; the next is still kept out.
        using var fourth = await server.RegisterAsync("lim4");
        op.Send("INVITE lim4 #lim");
        await fourth.ExpectAsync(m => m.Command == "INVITE");
        await fourth.JoinRoomAsync("#lim");
        var stillFull = await third.RoundTripAsync("JOIN #lim");
        Assert.Equal(["471"], stillFull.Commands());

        var lifted = await op.SetModeAsync("#lim", "-l");
        Assert.Equal(["#lim", "-l"], lifted.Parameters);
        await third.JoinRoomAsync("#lim");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("99999999999")]
    public async Task Invalid_limits_answer_696(string limit)
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("lv", "#lv");
        var replies = await op.RoundTripAsync($"MODE #lv +l {limit}");
        var err = Assert.Single(replies);
        Assert.Equal("696", err.Command);
        Assert.Equal(["lv", "#lv", "l", limit], err.Parameters.Take(4));
        Assert.Equal("+nt", Assert.Single(await op.RoundTripAsync("MODE #lv"), m => m.Command == "324").Parameters[2]);
    }

    [Fact]
    public async Task Invite_only_room_needs_an_invitation_which_one_join_uses_up()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("iop", "#inv");
        await op.SetModeAsync("#inv", "+i");
        using var guest = await server.RegisterAsync("iguest");
        var refused = await guest.RoundTripAsync("JOIN #inv");
        Assert.Equal(["473"], refused.Commands());
        Assert.Equal(["iguest", "#inv"], refused[0].Parameters.Take(2));

        op.Send("INVITE iguest #inv");
        await op.ExpectCommandAsync("341");
        await guest.ExpectCommandAsync("INVITE");
        await guest.JoinRoomAsync("#inv");

        guest.Send("PART #inv");
        await guest.ExpectCommandAsync("PART");
        Assert.Equal(["473"], (await guest.RoundTripAsync("JOIN #inv")).Commands());
    }

    [Fact]
    public async Task Moderated_room_lets_only_voiced_members_and_operators_speak()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("mop", "#mod");
        using var quiet = await server.JoinAsync("mquiet", "#mod");
        var set = await op.SetModeAsync("#mod", "+m");
        Assert.Equal(["#mod", "+m"], set.Parameters);
        await quiet.UntilFenceAsync();

        var refused = await quiet.RoundTripAsync("PRIVMSG #mod :hello?");
        Assert.Equal(["404"], refused.Commands());
        Assert.Equal(["mquiet", "#mod"], refused[0].Parameters.Take(2));
        Assert.Empty(await quiet.RoundTripAsync("NOTICE #mod :psst"));
        Assert.DoesNotContain(await op.UntilFenceAsync(), m => m.Command is "PRIVMSG" or "NOTICE");

        Assert.Empty(await op.RoundTripAsync("PRIVMSG #mod :ops may speak"));
        await quiet.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "ops may speak");

        await op.SetModeAsync("#mod", "+v mquiet");
        await quiet.ExpectAsync(m => m.Command == "MODE");
        Assert.Empty(await quiet.RoundTripAsync("PRIVMSG #mod :thanks"));
        await op.ExpectAsync(m => m.Command == "PRIVMSG" && m.Parameters[1] == "thanks");
    }

    [Fact]
    public async Task Plain_users_are_told_plainly_when_a_moderated_room_refuses_them()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("plop", "#general");
        using var plain = await server.PlainAsync("Beto");
        await op.SetModeAsync("#general", "+m");
        plain.Send("hola");
        string line = await plain.ExpectLineAsync(l => l.StartsWith("***", StringComparison.Ordinal));
        Assert.Equal("*** Your message was not sent: you cannot speak in #general right now.", line);
        Assert.DoesNotContain(await op.UntilFenceAsync(), m => m.Command == "PRIVMSG");
    }

    [Fact]
    public async Task Secret_room_is_hidden_from_names_who_and_topic_of_outsiders()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("sop", "#sec");
        await op.SetModeAsync("#sec", "+s");
        op.Send("TOPIC #sec :hidden");
        await op.ExpectCommandAsync("TOPIC");

        var own = Assert.Single(await op.RoundTripAsync("NAMES #sec"), m => m.Command == "353");
        Assert.Equal(["sop", "@", "#sec", "@sop"], own.Parameters);

        using var outsider = await server.RegisterAsync("sout");
        Assert.Equal(["366"], (await outsider.RoundTripAsync("NAMES #sec")).Commands());
        Assert.Equal(["315"], (await outsider.RoundTripAsync("WHO #sec")).Commands());
        Assert.Equal(["442"], (await outsider.RoundTripAsync("TOPIC #sec")).Commands());
        Assert.Equal(["368"], (await outsider.RoundTripAsync("MODE #sec b")).Commands());

        var names = await server.JoinAsync("sin", "#sec");
        Assert.Equal(["352", "352", "315"], (await names.RoundTripAsync("WHO #sec")).Commands());
        names.Dispose();
    }

    [Fact]
    public async Task Voice_and_op_prefixes_show_in_names_and_who()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("pop", "#pre");
        using var v = await server.JoinAsync("pvoice", "#pre");
        using var o = await server.JoinAsync("pother", "#pre");
        await op.SetModeAsync("#pre", "+vo pvoice pother");
        var names = Assert.Single(await op.RoundTripAsync("NAMES #pre"), m => m.Command == "353");
        Assert.Equal(["+pvoice", "@pop", "@pother"], names.Parameters[^1].Split(' ').Order(StringComparer.Ordinal));
        var who = (await op.RoundTripAsync("WHO #pre")).Where(m => m.Command == "352").ToDictionary(m => m.Parameters[5], m => m.Parameters[6]);
        Assert.Equal("H+", who["pvoice"]);
        Assert.Equal("H@", who["pother"]);

        // A new operator may use its status at once; -o takes it away again.
        await o.UntilFenceAsync();
        Assert.Equal(["#pre", "-v", "pvoice"], (await o.SetModeAsync("#pre", "-v pvoice")).Parameters);
        await op.SetModeAsync("#pre", "-o pother");
        Assert.Equal(["482"], (await o.RoundTripAsync("MODE #pre +m")).Where(m => m.Command != "MODE").Commands());
    }

    [Fact]
    public async Task Prefix_mode_errors_name_the_problem()
    {
        await using var server = await TestServer.StartAsync();
        using var op = await server.JoinAsync("eop", "#err");
        using var member = await server.JoinAsync("emember", "#err");
        using var elsewhere = await server.JoinAsync("eelse", "#other");
        await op.UntilFenceAsync();

        var notIn = Assert.Single(await op.RoundTripAsync("MODE #err +o eelse"));
        Assert.Equal("441", notIn.Command);
        Assert.Equal(["eop", "eelse", "#err"], notIn.Parameters.Take(3));

        var noNick = Assert.Single(await op.RoundTripAsync("MODE #err +v nobody"));
        Assert.Equal("401", noNick.Command);
        Assert.Equal(["eop", "nobody"], noNick.Parameters.Take(2));

        var notOp = Assert.Single(await member.RoundTripAsync("MODE #err +o emember"));
        Assert.Equal("482", notOp.Command);
        Assert.Equal(["emember", "#err"], notOp.Parameters.Take(2));

        var noChannel = Assert.Single(await op.RoundTripAsync("MODE #nowhere +o eop"));
        Assert.Equal("403", noChannel.Command);

        var unknown = Assert.Single(await op.RoundTripAsync("MODE #err +Z"));
        Assert.Equal(["eop", "Z"], unknown.Parameters.Take(2));
        Assert.Equal("472", unknown.Command);

        // A non-operator may still read the ban list.
        Assert.Equal(["368"], (await member.RoundTripAsync("MODE #err +b")).Commands());
    }

    [Fact]
    public async Task Ban_list_stops_at_MAXLIST_with_478()
    {
        await using var server = await TestServer.StartAsync();
        var (op, tokens, _) = await server.RegisterWithIsupportAsync("maxl");
        using var _op = op;
        Assert.Equal("b:100", tokens["MAXLIST"]);
        int max = int.Parse(tokens["MAXLIST"].Split(':')[1]);
        await op.JoinRoomAsync("#maxl");
        for (int i = 0; i < max; i += 4)
        {
            op.Send($"MODE #maxl +bbbb x{i}!*@* x{i + 1}!*@* x{i + 2}!*@* x{i + 3}!*@*");
        }

        var before = await op.UntilFenceAsync();
        Assert.Equal(max / 4, before.Count(m => m.Command == "MODE"));
        var full = Assert.Single(await op.RoundTripAsync("MODE #maxl +b onemore"));
        Assert.Equal("478", full.Command);
        Assert.Equal(["maxl", "#maxl", "b"], full.Parameters.Take(3));
        Assert.Equal(max, (await op.RoundTripAsync("MODE #maxl b")).Count(m => m.Command == "367"));
    }

    [Fact]
    public async Task Isupport_and_myinfo_advertise_exactly_the_modes_that_work()
    {
        await using var server = await TestServer.StartAsync();
        var (op, tokens, myInfo) = await server.RegisterWithIsupportAsync("truth");
        using var _op = op;
        Assert.Equal("b,k,l,imnst", tokens["CHANMODES"]);
        Assert.Equal("(ov)@+", tokens["PREFIX"]);
        string[] types = tokens["CHANMODES"].Split(',');
        string prefixModes = tokens["PREFIX"][1..tokens["PREFIX"].IndexOf(')')];

        // 004 lists every channel mode, and those taking parameters.
        Assert.Equal(string.Concat((types[0] + types[1] + types[2] + types[3] + prefixModes).Order()), myInfo.Parameters[4]);
        Assert.Equal(string.Concat((types[0] + types[1] + types[2] + prefixModes).Order()), myInfo.Parameters[5]);

        await op.JoinRoomAsync("#truth");
        using var peer = await server.JoinAsync("peer", "#truth");
        await op.UntilFenceAsync();
        foreach (char list in types[0])
        {
            Assert.Equal(["368"], (await op.RoundTripAsync($"MODE #truth {list}")).Commands());
            Assert.Equal(["#truth", $"+{list}", "x!*@*"], (await op.SetModeAsync("#truth", $"+{list} x!*@*")).Parameters);
        }

        foreach (char mode in types[1] + types[2])
        {
            Assert.Equal(["#truth", $"+{mode}", "7"], (await op.SetModeAsync("#truth", $"+{mode} 7")).Parameters);
            Assert.Equal($"-{mode}", (await op.SetModeAsync("#truth", $"-{mode}")).Parameters[1]);
        }

        // Clear every flag (only the defaults +n +t change), then set and clear each one alone.
        Assert.Equal(["#truth", "-nt"], (await op.SetModeAsync("#truth", "-" + types[3])).Parameters);
        foreach (char flag in types[3])
        {
            Assert.Equal(["#truth", $"+{flag}"], (await op.SetModeAsync("#truth", $"+{flag}")).Parameters);
            Assert.Equal(["#truth", $"-{flag}"], (await op.SetModeAsync("#truth", $"-{flag}")).Parameters);
        }

        foreach (char prefix in prefixModes)
        {
            Assert.Equal(["#truth", $"+{prefix}", "peer"], (await op.SetModeAsync("#truth", $"+{prefix} peer")).Parameters);
        }

        Assert.DoesNotContain(op.Seen, l => l.Contains(" 472 ", StringComparison.Ordinal));
    }
}
