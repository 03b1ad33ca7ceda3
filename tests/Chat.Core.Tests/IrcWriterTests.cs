using System.Buffers;
using System.Text;
using Chat.Core.Protocol;

namespace Chat.Core.Tests;

public class IrcWriterTests
{
    private static string Wire(IrcMessage m) => Encoding.UTF8.GetString(IrcWriter.ToBytes(m));

    private static IrcMessage RoundTrip(IrcMessage m)
    {
        byte[] bytes = IrcWriter.ToBytes(m, withCrlf: false);
        var error = IrcParser.TryParse(bytes, out var parsed);
        Assert.True(error == IrcParseError.None, $"{error}: {Encoding.UTF8.GetString(bytes)}");
        return parsed!;
    }

    private static Dictionary<string, string> TagsOf(params (string Key, string Value)[] tags) =>
        tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);

    public static TheoryData<IrcMessage> Messages() => new()
    {
        new IrcMessage("PING"),
        new IrcMessage("PING", "token"),
        new IrcMessage("PRIVMSG", "#a", "hello world"),
        new IrcMessage("PRIVMSG", "#a", ""),
        new IrcMessage("PRIVMSG", "#a", ":-)"),
        new IrcMessage("PRIVMSG", "#a", " leading and trailing "),
        new IrcMessage("PRIVMSG", "#a", "a:b"),
        new IrcMessage("PRIVMSG", "#café", "ñandú € 😀 日本"),
        new IrcMessage("MODE", "#a", "+ov", "alice", "bob"),
        new IrcMessage(null, "irc.example.net", "001", ["alice", "Welcome to the network, alice!a@h"]),
        new IrcMessage(null, "María!m@host", "NICK", ["Mario"]),
        new IrcMessage(TagsOf(("time", "2024-01-01T00:00:00.000Z"), ("bot", "")), "n!u@h", "PRIVMSG", ["#a", "hi"]),
        new IrcMessage(TagsOf(("+draft/reply", "x;y z\\w\r\n"), ("example.com/v", "; \\"), ("k", "\\s\\:")), null, "TAGMSG", ["#a"]),
        new IrcMessage(TagsOf(("+typing", "active"), ("msgid", "héllo😀")), "n", "TAGMSG", ["bob"]),
        new IrcMessage(null, null, "CMD", Enumerable.Range(1, 14).Select(i => i.ToString()).Append("last has spaces").ToArray()),
        new IrcMessage(null, null, "CMD", Enumerable.Range(1, 15).Select(i => i.ToString()).ToArray()),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void ParseOfWriteIsTheSameMessage(IrcMessage m)
    {
        MessageAssert.Equal(m, RoundTrip(m));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void WriteOfParseIsTheSameWire(IrcMessage m)
    {
        byte[] once = IrcWriter.ToBytes(m);
        byte[] twice = IrcWriter.ToBytes(IrcParser.Parse(Encoding.UTF8.GetString(once)));
        Assert.Equal(once, twice);
    }

    [Fact]
    public void WireFormEndsWithCrlfOnlyWhenAsked()
    {
        var m = new IrcMessage("PING", "x");
        Assert.Equal("PING x\r\n", Wire(m));
        Assert.Equal("PING x", Encoding.UTF8.GetString(IrcWriter.ToBytes(m, withCrlf: false)));
        Assert.Equal("PING x", m.ToString());
    }

    [Fact]
    public void WritesIntoABufferWriter()
    {
        var buffer = new ArrayBufferWriter<byte>();
        IrcWriter.Write(new IrcMessage("PING", "a"), buffer);
        IrcWriter.Write(new IrcMessage("PING", "b"), buffer);
        Assert.Equal("PING a\r\nPING b\r\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void SourceAndTagsAreWritten()
    {
        var m = new IrcMessage(TagsOf(("a", "1")), "n!u@h", "PRIVMSG", ["#a", "hi"]);
        Assert.Equal("@a=1 :n!u@h PRIVMSG #a hi\r\n", Wire(m));
    }

    [Fact]
    public void TagWithoutValueIsWrittenAsKeyAlone()
    {
        var m = new IrcMessage(TagsOf(("bot", "")), null, "PING", ["x"]);
        Assert.Equal("@bot PING x\r\n", Wire(m));
    }

    [Theory]
    [InlineData("", "PRIVMSG #a :\r\n")]
    [InlineData("two words", "PRIVMSG #a :two words\r\n")]
    [InlineData(" ", "PRIVMSG #a : \r\n")]
    [InlineData(":colon", "PRIVMSG #a ::colon\r\n")]
    [InlineData("word", "PRIVMSG #a word\r\n")]
    [InlineData("a:b", "PRIVMSG #a a:b\r\n")]
    public void TrailingColonOnlyWhenNeeded(string last, string expected)
    {
        Assert.Equal(expected, Wire(new IrcMessage("PRIVMSG", "#a", last)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData(":colon")]
    public void BadMiddleParameterThrows(string middle)
    {
        var m = new IrcMessage("PRIVMSG", middle, "text");
        Assert.Throws<ArgumentException>(() => IrcWriter.ToBytes(m));
    }

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\r\nQUIT")]
    [InlineData("a\0b")]
    public void LineBreakOrNulInAParameterThrows(string bad)
    {
        Assert.Throws<ArgumentException>(() => IrcWriter.ToBytes(new IrcMessage("PRIVMSG", "#a", bad)));
        Assert.Throws<ArgumentException>(() => IrcWriter.ToBytes(new IrcMessage("PRIVMSG", bad.Replace(' ', '_'), "x")));
    }

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("n!u@h\r\nQUIT")]
    [InlineData("a\0b")]
    public void LineBreakOrNulInSourceOrCommandThrows(string bad)
    {
        // Nothing a caller passes may end the line early or put a NUL on the wire.
        Assert.Throws<ArgumentException>(() => IrcWriter.ToBytes(new IrcMessage(null, bad, "PING", ["x"])));
        Assert.Throws<ArgumentException>(() => IrcWriter.ToBytes(new IrcMessage(null, null, "PING" + bad, ["x"])));
    }

    [Fact]
    public void NulInATagValueThrows()
    {
        // CR and LF have escapes; NUL has none and would make the whole line unparsable.
        var m = new IrcMessage(TagsOf(("k", "a\0b")), null, "PING", ["x"]);
        Assert.Throws<ArgumentException>(() => IrcWriter.ToBytes(m));
    }

    [Theory]
    [InlineData("k\r\nQUIT")]
    [InlineData("k\n")]
    [InlineData("k\0")]
    public void LineBreakOrNulInATagKeyThrows(string key)
    {
        // Keys have no escaping, so such a key would end the line early.
        var m = new IrcMessage(TagsOf((key, "v")), null, "PING", ["x"]);
        Assert.Throws<ArgumentException>(() => IrcWriter.ToBytes(m));
    }

    [Fact]
    public void CrAndLfInTagValuesAreEscapedNotRejected()
    {
        var m = new IrcMessage(TagsOf(("k", "a\r\nb")), null, "PING", ["x"]);
        Assert.Equal("@k=a\\r\\nb PING x\r\n", Wire(m));
    }

    // ---- over-long bodies --------------------------------------------------

    private static void AssertCutBody(IrcMessage m, string expectedPrefix)
    {
        byte[] wire = IrcWriter.ToBytes(m);
        Assert.True(wire.Length <= IrcLimits.MaxBodyWithCrlf, $"{wire.Length} bytes");
        Assert.Equal((byte)'\r', wire[^2]);
        Assert.Equal((byte)'\n', wire[^1]);
        Assert.Equal(-1, Array.IndexOf(wire[..^2], (byte)'\r'));

        // A strict decoder throws if a character was split.
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        string text = strict.GetString(wire, 0, wire.Length - 2);
        Assert.StartsWith(expectedPrefix, text, StringComparison.Ordinal);

        var parsed = IrcParser.Parse(text);
        Assert.Equal(m.Command, parsed.Command);
        string original = m.Parameters[^1];
        Assert.StartsWith(parsed.Parameters[^1], original, StringComparison.Ordinal);
    }

    [Fact]
    public void AsciiBodyIsCutToExactly510Bytes()
    {
        var m = new IrcMessage("PRIVMSG", "#a", new string('x', 1000));
        byte[] wire = IrcWriter.ToBytes(m);
        Assert.Equal(IrcLimits.MaxBodyWithCrlf, wire.Length);
        AssertCutBody(m, "PRIVMSG #a x");
    }

    [Fact]
    public void BodyOfExactly510BytesIsNotCut()
    {
        string text = new string('x', IrcLimits.MaxBody - "PRIVMSG #a :".Length);
        var m = new IrcMessage("PRIVMSG", "#a", "y " + text[2..]);
        byte[] wire = IrcWriter.ToBytes(m);
        Assert.Equal(IrcLimits.MaxBodyWithCrlf, wire.Length);
        Assert.Equal(m.Param(1), IrcParser.Parse(Encoding.UTF8.GetString(wire)).Param(1));
    }

    [Theory]
    [InlineData("é")]   // 2 bytes
    [InlineData("€")]   // 3 bytes
    [InlineData("😀")]  // 4 bytes, a surrogate pair in UTF-16
    [InlineData("👩‍👩‍👧")] // a ZWJ sequence of several pairs
    public void MultiByteBodyIsCutAtACharacterBoundaryAtEveryOffset(string unit)
    {
        // Shift the text by 0..4 ASCII bytes so the limit falls at every position inside a character.
        for (int shift = 0; shift < 5; shift++)
        {
            string text = new string('a', shift) + " " + string.Concat(Enumerable.Repeat(unit, 300));
            var m = new IrcMessage(null, "n!u@h", "PRIVMSG", ["#a", text]);
            AssertCutBody(m, ":n!u@h PRIVMSG #a :" + new string('a', shift));
            int length = IrcWriter.ToBytes(m).Length;
            int widest = unit.EnumerateRunes().Max(r => r.Utf8SequenceLength);
            Assert.True(length > IrcLimits.MaxBodyWithCrlf - widest, $"cut too short: {length} bytes");
        }
    }

    [Fact]
    public void TagsDoNotCountTowardsTheBodyCut()
    {
        var tags = TagsOf(("k", new string('v', 1000)));
        var m = new IrcMessage(tags, null, "PRIVMSG", ["#a", new string('x', 1000)]);
        byte[] wire = IrcWriter.ToBytes(m);
        int space = Array.IndexOf(wire, (byte)' ');
        Assert.Equal(IrcLimits.MaxBodyWithCrlf, wire.Length - space - 1);
        Assert.Equal(new string('v', 1000), IrcParser.Parse(Encoding.UTF8.GetString(wire)).Tags["k"]);
    }

    [Fact]
    public void TagsThatDoNotFitAreDroppedWhole()
    {
        string fits = new string('v', IrcLimits.MaxTags - "@k= ".Length);
        var ok = new IrcMessage(TagsOf(("k", fits)), null, "PING", ["x"]);
        Assert.Equal(fits, RoundTrip(ok).Tags["k"]);

        var tooBig = new IrcMessage(TagsOf(("k", fits + "v")), null, "PING", ["x"]);
        Assert.Equal("PING x\r\n", Wire(tooBig));
    }

    [Fact]
    public void EscapingCountsTowardsTheTagLimit()
    {
        // Each ';' becomes two bytes on the wire.
        string value = new string(';', (IrcLimits.MaxTags - "@k= ".Length) / 2 + 1);
        var m = new IrcMessage(TagsOf(("k", value)), null, "PING", ["x"]);
        Assert.Equal("PING x\r\n", Wire(m));
    }
}

public class IrcTagEscapingTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData("a;b", @"a\:b")]
    [InlineData("a b", @"a\sb")]
    [InlineData(@"a\b", @"a\\b")]
    [InlineData("a\rb", @"a\rb")]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("; \\\r\n", @"\:\s\\\r\n")]
    [InlineData("=é😀", "=é😀")]
    public void Escape(string value, string escaped)
    {
        Assert.Equal(escaped, IrcTagEscaping.Escape(value));
        Assert.Equal(value, IrcTagEscaping.Unescape(escaped));
    }

    [Fact]
    public void UnescapedValueIsReturnedAsIs()
    {
        const string value = "nothing to do";
        Assert.Same(value, IrcTagEscaping.Unescape(value));
        Assert.Same("abc", IrcTagEscaping.Escape("abc"));
    }

    [Theory]
    [InlineData(@"\a", "a")]
    [InlineData(@"\t\0", "t0")]
    [InlineData(@"x\", "x")]
    [InlineData(@"\\\", @"\")]
    [InlineData(@"\\s", @"\s")]
    public void UnknownEscapesAndLoneTrailingBackslash(string escaped, string value)
    {
        Assert.Equal(value, IrcTagEscaping.Unescape(escaped));
    }

    [Fact]
    public void RoundTripOfEveryAwkwardCharacterCombination()
    {
        char[] alphabet = [';', ' ', '\\', '\r', '\n', 's', ':', 'r', 'n', 'é'];
        foreach (char a in alphabet)
        {
            foreach (char b in alphabet)
            {
                foreach (char c in alphabet)
                {
                    string value = new([a, b, c]);
                    string escaped = IrcTagEscaping.Escape(value);
                    Assert.Equal(-1, escaped.AsSpan().IndexOfAny("; \r\n"));
                    Assert.Equal(value, IrcTagEscaping.Unescape(escaped));
                }
            }
        }
    }
}
