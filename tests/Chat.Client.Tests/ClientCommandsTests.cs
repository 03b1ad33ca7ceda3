using System.Globalization;
using Chat.Client.Resources;
using static Chat.Client.ClientCommand;

namespace Chat.Client.Tests;

public class ClientCommandsTests
{
    [Theory]
    [InlineData("hola a todos", "hola a todos")]
    [InlineData("//etc/hosts is a file", "/etc/hosts is a file")]
    [InlineData("  indented  ", "  indented  ")]
    public void Plain_lines_are_said_in_the_current_room(string line, string said) =>
        Assert.Equal(new Say(said), ClientCommands.Parse(line));

    [Theory]
    [InlineData("salir", "salir")]
    [InlineData(" SALIR ", "salir")]
    [InlineData("/quit", "Leaving")]
    [InlineData("/QUIT see you", "see you")]
    [InlineData("/exit", "Leaving")]
    public void Leaving(string line, string reason) => Assert.Equal(new Leave(reason), ClientCommands.Parse(line));

    [Fact]
    public void Join_takes_several_rooms_with_or_without_hash()
    {
        var join = Assert.IsType<Join>(ClientCommands.Parse("/join #a b,#c"));
        Assert.Equal(["#a", "#b", "#c"], join.Rooms);
    }

    [Fact]
    public void Part_defaults_to_the_current_room_and_keeps_the_reason()
    {
        Assert.Equal(new Part(null, null), ClientCommands.Parse("/part"));
        Assert.Equal(new Part("#dev", null), ClientCommands.Parse("/part #dev"));
        Assert.Equal(new Part("#dev", "bye all"), ClientCommands.Parse("/part #dev bye all"));
        Assert.Equal(new Part(null, "bye all"), ClientCommands.Parse("/leave bye all"));
    }

    [Fact]
    public void Room_and_switch()
    {
        Assert.Equal(new SwitchRoom("#dev", false), ClientCommands.Parse("/room dev"));
        Assert.Equal(new SwitchRoom(null, false), ClientCommands.Parse("/room"));
        Assert.Equal(new SwitchRoom("#dev", true), ClientCommands.Parse("/switch #dev"));
        Assert.Equal(new SwitchRoom(null, true), ClientCommands.Parse("/switch"));
    }

    [Fact]
    public void Messages_actions_and_user_lists()
    {
        Assert.Equal(new SendTo("Eva", "hola  Eva"), ClientCommands.Parse("/msg Eva hola  Eva"));
        Assert.Equal(new Me("waves"), ClientCommands.Parse("/me waves"));
        Assert.Equal(new Names(null), ClientCommands.Parse("/names"));
        Assert.Equal(new Names("#dev"), ClientCommands.Parse("/who #dev"));
    }

    [Fact]
    public void Topic_shows_or_sets_for_the_current_or_a_named_room()
    {
        Assert.Equal(new Topic(null, null), ClientCommands.Parse("/topic"));
        Assert.Equal(new Topic(null, "Bienvenidos al chat"), ClientCommands.Parse("/topic Bienvenidos al chat"));
        Assert.Equal(new Topic("#dev", null), ClientCommands.Parse("/topic #dev"));
        Assert.Equal(new Topic("#dev", "builds"), ClientCommands.Parse("/topic #dev builds"));
    }

    [Fact]
    public void Nick_away_kick()
    {
        Assert.Equal(new ChangeNick("Juanito"), ClientCommands.Parse("/nick Juanito"));
        Assert.Equal(new Away("lunch"), ClientCommands.Parse("/away lunch"));
        Assert.Equal(new Away(null), ClientCommands.Parse("/away"));
        Assert.Equal(new Kick("Beto", null), ClientCommands.Parse("/kick Beto"));
        Assert.Equal(new Kick("Beto", "too loud"), ClientCommands.Parse("/kick Beto too loud"));
    }

    [Theory]
    [InlineData("/msg")]
    [InlineData("/msg Eva")]
    [InlineData("/join")]
    [InlineData("/me")]
    [InlineData("/nick")]
    [InlineData("/nick two words")]
    [InlineData("/kick")]
    public void Missing_arguments_give_the_usage(string line)
    {
        var usage = Assert.IsType<Usage>(ClientCommands.Parse(line));
        Assert.Equal(line.Split(' ')[0][1..], usage.Command.Name);
    }

    [Fact]
    public void Unknown_commands_and_blank_lines()
    {
        Assert.Equal(new Unknown("/frob"), ClientCommands.Parse("/frob x"));
        Assert.Equal(new Nothing(), ClientCommands.Parse("   "));
        Assert.Equal(new Help(), ClientCommands.Parse("/HELP"));
    }

    [Theory]
    [InlineData("en")]
    [InlineData("es")]
    public void Every_command_has_a_usage_and_a_description_in_each_language(string lang)
    {
        var text = new ClientText(CultureInfo.GetCultureInfo(lang));
        var english = new ClientText(CultureInfo.GetCultureInfo("en"));
        foreach (var command in ClientCommands.All)
        {
            Assert.StartsWith("/" + command.Name, text[command.UsageKey]);
            Assert.False(string.IsNullOrWhiteSpace(text[command.HelpKey]));
            if (lang != "en")
            {
                Assert.NotEqual(english[command.HelpKey], text[command.HelpKey]);
            }
        }
    }
}
