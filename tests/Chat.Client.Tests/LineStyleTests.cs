using Chat.Client.Terminal;

namespace Chat.Client.Tests;

public class LineStyleTests
{
    private static readonly DateTimeOffset Noon = new DateTimeOffset(2025, 5, 1, 12, 34, 0, TimeSpan.Zero).ToLocalTime();

    private static string Plain(IEnumerable<Span> spans) => string.Concat(spans.Select(s => s.Text));

    [Fact]
    public void Nick_colours_are_stable_and_ignore_case()
    {
        Assert.Equal(LineStyle.NickColor("Juan"), LineStyle.NickColor("JUAN"));
        Assert.Equal(LineStyle.NickColor("Juan"), LineStyle.NickColor("Juan"));
        var colors = new[] { "Ana", "Beto", "Juan", "María", "Eva", "Pepe", "Luz", "Tom" }.Select(LineStyle.NickColor).Distinct().Count();
        Assert.True(colors >= 4, "Nicks should spread over the palette.");
        Assert.NotEqual(TermColor.Default, LineStyle.NickColor("x"));
    }

    [Theory]
    [InlineData("hola juan", true)]
    [InlineData("Juan: ven", true)]
    [InlineData("@juan!", true)]
    [InlineData("Juanita vino", false)]
    [InlineData("sanjuan", false)]
    [InlineData("nada", false)]
    public void Mentions_are_whole_words(string text, bool mentioned) => Assert.Equal(mentioned, LineStyle.Mentions(text, "Juan"));

    [Fact]
    public void A_message_has_time_coloured_nick_and_indent_under_the_text()
    {
        var line = new ChatLine("Ana: hola", LineKind.Message) { Nick = "Ana", Body = "hola" };
        var styled = LineStyle.Style(line, "Juan", Noon);
        Assert.Equal(Noon.ToString("HH:mm ", System.Globalization.CultureInfo.InvariantCulture) + "Ana: hola", Plain(styled.Spans));
        var nick = Assert.Single(styled.Spans, s => s.Text == "Ana");
        Assert.Equal(LineStyle.NickColor("Ana"), nick.Style.Color);
        Assert.Equal(TermColor.Gray, styled.Spans[0].Style.Color);
        Assert.Equal(11, styled.Indent); // "12:34 " + "Ana: "
        Assert.False(styled.Mentioned);
    }

    [Fact]
    public void A_mention_is_highlighted_but_not_our_own_line()
    {
        var theirs = LineStyle.Style(new ChatLine("Ana: hola Juan", LineKind.Message) { Nick = "Ana", Body = "hola Juan" }, "Juan", Noon);
        Assert.True(theirs.Mentioned);
        Assert.Contains(theirs.Spans, s => s.Style.Reverse);
        var ours = LineStyle.Style(new ChatLine("Juan: soy Juan", LineKind.Own) { Nick = "Juan", Body = "soy Juan" }, "Juan", Noon);
        Assert.False(ours.Mentioned);
    }

    [Fact]
    public void Room_prefix_private_and_history_time()
    {
        var when = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var line = new ChatLine("[#dev] Ana: hola", LineKind.Message) { Nick = "Ana", Body = "hola", Room = "#dev", Time = when };
        var styled = LineStyle.Style(line, "Juan", Noon);
        Assert.Equal(when.ToLocalTime().ToString("HH:mm ", System.Globalization.CultureInfo.InvariantCulture), styled.Spans[0].Text);
        Assert.Equal(new Span("[#dev] ", new TextStyle(TermColor.Cyan)), styled.Spans[1]);

        var pm = LineStyle.Style(new ChatLine("(private) Ana: psst", LineKind.Private) { Nick = "Ana", Body = "psst" }, "Juan", Noon);
        Assert.Equal(TermColor.Magenta, pm.Spans[1].Style.Color);
    }

    [Fact]
    public void Long_lines_wrap_at_spaces_with_a_hanging_indent()
    {
        var spans = new[] { new Span("12:00 Ana: uno dos tres cuatro cinco seis", TextStyle.Plain) };
        var rows = LineStyle.Wrap(spans, 11, 20).Select(Plain).ToList();
        // The indent is at most half the width: 10 here.
        Assert.Equal(["12:00 Ana: uno dos ", "          tres ", "          cuatro ", "          cinco seis"], rows);
    }

    [Fact]
    public void Wide_characters_are_never_split_across_the_edge()
    {
        var spans = new[] { new Span("日本語日本語", TextStyle.Plain) };
        var rows = LineStyle.Wrap(spans, 0, 5).Select(Plain).ToList();
        Assert.Equal(["日本", "語日", "本語"], rows);
        Assert.All(rows, r => Assert.True(CharWidth.Of(r) <= 5));
    }
}
