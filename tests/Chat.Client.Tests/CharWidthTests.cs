using System.Text;
using Chat.Client.Terminal;

namespace Chat.Client.Tests;

public class CharWidthTests
{
    [Theory]
    [InlineData("hola", 4)]
    [InlineData("María ñandú", 11)]
    [InlineData("e\u0301", 1)] // e + combining acute: one column
    [InlineData("a\u0308\u0304b", 2)] // two combining marks on one letter
    [InlineData("日本語", 6)]
    [InlineData("한국어", 6)]
    [InlineData("ｶﾀｶﾅ", 4)] // halfwidth katakana stays narrow
    [InlineData("ＡＢ", 4)] // fullwidth Latin
    [InlineData("😀", 2)]
    [InlineData("👍🏽", 2)] // with a skin tone modifier
    [InlineData("👨‍👩‍👧", 2)] // a ZWJ family is one emoji
    [InlineData("🇪🇸", 2)] // a flag: two regional indicators
    [InlineData("❤️", 2)] // heart + VS16, emoji presentation
    [InlineData("❤", 1)] // heart alone, text presentation
    [InlineData("a\u200Bb", 2)] // zero width space
    [InlineData("", 0)]
    public void Text_width_in_columns(string text, int columns) => Assert.Equal(columns, CharWidth.Of(text));

    [Fact]
    public void Single_code_points()
    {
        Assert.Equal(1, CharWidth.Of(new Rune('A')));
        Assert.Equal(0, CharWidth.Of(new Rune(0x0301)));
        Assert.Equal(0, CharWidth.Of(new Rune('\u0007')));
        Assert.Equal(2, CharWidth.Of(new Rune('中')));
        Assert.Equal(2, CharWidth.Of(new Rune(0x1F680))); // rocket
        Assert.Equal(2, CharWidth.Of(new Rune(0x20000))); // CJK extension B
        Assert.Equal(1, CharWidth.Of(new Rune(0x1F321))); // thermometer: text presentation by default
    }

    [Fact]
    public void Clusters_keep_marks_with_their_letter()
    {
        var clusters = CharWidth.Clusters("ñe\u0301中").ToList();
        Assert.Equal([("ñ", 1), ("e\u0301", 1), ("中", 2)], clusters);
    }
}
