using System.Globalization;
using Chat.Client.Resources;

namespace Chat.Client.Tests;

public class EventTextTests
{
    private readonly ChatRooms _rooms = new("#general");

    private EventText Text(string lang = "en") => new(new ClientText(CultureInfo.GetCultureInfo(lang)), _rooms);

    [Fact]
    public void Start_up_room_is_current_without_a_line_and_other_rooms_are_marked()
    {
        var text = Text();
        Assert.Empty(text.Lines(new UserJoined("Juan", "#general", IsSelf: true)));
        Assert.Equal(["Ana: hola"], text.Lines(new MessageReceived("Ana", "#general", "hola", false, false, false)));
        Assert.Equal(["[#dev] Ana: hola"], text.Lines(new MessageReceived("Ana", "#dev", "hola", false, false, false)));
    }

    [Fact]
    public void Joining_switches_and_leaving_falls_back_to_another_room()
    {
        var text = Text();
        text.Lines(new UserJoined("Juan", "#general", IsSelf: true));
        _rooms.Want("#dev");
        Assert.Equal(["*** Now talking in #dev"], text.Lines(new UserJoined("Juan", "#dev", IsSelf: true)));
        Assert.Equal("#dev", _rooms.Current);
        Assert.Equal(["<<< You left #dev", "*** Now talking in #general"], text.Lines(new UserLeft("Juan", "#dev", null, IsSelf: true)));
        Assert.Equal(["<<< You were kicked from #general by Ana (spam)", "*** You are not in any room. Type /join #room to enter one."],
            text.Lines(new UserKicked("Juan", "#general", "Ana", "spam", IsSelf: true)));
        Assert.Null(_rooms.Current);
    }

    [Fact]
    public void Names_are_shown_once_when_asked_for_operators_first()
    {
        var text = Text();
        var names = new NamesReceived("#general", ["Juan", "Beto", "@Ana"]);
        Assert.Empty(text.Lines(names));
        _rooms.WantNames("#general");
        Assert.Equal(["Users in #general: @Ana, Beto, Juan"], text.Lines(names));
        Assert.Empty(text.Lines(names));
    }

    [Theory]
    [InlineData("en", "*** Topic of #general: Hola", "*** Ana set the topic of #general: Hola", "<<< Beto was kicked by Ana (spam)", "*** You are now marked as away")]
    [InlineData("es", "*** Tema de #general: Hola", "*** Ana cambió el tema de #general: Hola", "<<< Ana expulsó a Beto (spam)", "*** Ahora estás marcado como ausente")]
    public void Topics_kicks_and_away_in_both_languages(string lang, string topic, string topicSet, string kicked, string away)
    {
        var text = Text(lang);
        Assert.Equal([topic], text.Lines(new TopicChanged("#general", "Hola", null)));
        Assert.Equal([topicSet], text.Lines(new TopicChanged("#general", "Hola", "Ana")));
        Assert.Equal([kicked], text.Lines(new UserKicked("Beto", "#general", "Ana", "spam", IsSelf: false)));
        Assert.Equal([away], text.Lines(new AwayChanged(true)));
    }

    [Fact]
    public void Other_texts()
    {
        var text = Text();
        Assert.Equal(["*** #general has no topic"], text.Lines(new TopicChanged("#general", null, null)));
        Assert.Equal(["*** Ana cleared the topic of #general"], text.Lines(new TopicChanged("#general", "", "Ana")));
        Assert.Equal(["<<< Beto was kicked by Ana"], text.Lines(new UserKicked("Beto", "#general", "Ana", null, false)));
        Assert.Equal(["[#dev] <<< Beto was kicked by Ana"], text.Lines(new UserKicked("Beto", "#dev", "Ana", null, false)));
        Assert.Equal(["*** You are no longer marked as away"], text.Lines(new AwayChanged(false)));
        Assert.Equal(["*** Eva is away: lunch"], text.Lines(new UserAway("Eva", "lunch")));
        Assert.Equal(["*** You are now known as Juanito"], text.Lines(new NickChanged("Juan", "Juanito", true)));
        Assert.Equal(["(private) * Eva waves"], text.Lines(new MessageReceived("Eva", "Juan", "waves", true, false, true)));
    }
}
