using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using Chat.Server.Resources;

namespace Chat.Server.Tests;

/// <summary>The server's texts: every one in English and in Spanish, with the same placeholders.</summary>
public sealed partial class ServerTextTests
{
    [Fact]
    public void Every_text_is_in_both_languages_with_the_same_placeholders()
    {
        var english = Texts(CultureInfo.InvariantCulture);
        var spanish = Texts(CultureInfo.GetCultureInfo("es"));

        Assert.NotEmpty(english);
        Assert.Equal(english.Keys.Order(StringComparer.Ordinal), spanish.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, text) in english)
        {
            Assert.True(Placeholders(text).SetEquals(Placeholders(spanish[name])), $"{name}: \"{text}\" against \"{spanish[name]}\"");
        }
    }

    [Fact]
    public void Start_up_errors_follow_the_language()
    {
        Assert.Equal("cannot listen on 127.0.0.1:6667: busy", new ServerText(CultureInfo.InvariantCulture).Format("StartCannotListen", "127.0.0.1:6667", "busy"));
        Assert.Equal("no se puede escuchar en 127.0.0.1:6667: busy", new ServerText(CultureInfo.GetCultureInfo("es")).Format("StartCannotListen", "127.0.0.1:6667", "busy"));
    }

    private static Dictionary<string, string> Texts(CultureInfo culture)
    {
        var set = ServerText.Manager.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
            ?? throw new InvalidOperationException($"No server texts for {culture.Name}.");
        return set.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!, StringComparer.Ordinal);
    }

    /// <summary>The {0}-style and {Name}-style holes of a text (doubled braces are literal).</summary>
    private static HashSet<string> Placeholders(string text) =>
        [.. Hole().Matches(text.Replace("{{", "", StringComparison.Ordinal).Replace("}}", "", StringComparison.Ordinal)).Select(m => m.Value)];

    [GeneratedRegex(@"\{[^{}]+\}")]
    private static partial Regex Hole();
}
