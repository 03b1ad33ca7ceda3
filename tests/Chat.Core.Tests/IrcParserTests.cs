using System.Buffers;
using System.Text;
using Chat.Core.Protocol;
using Chat.Core.Transport;

namespace Chat.Core.Tests;

public class IrcParserTests
{
    private static IrcMessage ParseOk(string line)
    {
        var error = IrcParser.TryParse(Encoding.UTF8.GetBytes(line), out var message);
        Assert.Equal(IrcParseError.None, error);
        Assert.NotNull(message);
        return message;
    }

    private static IrcParseError ParseError(byte[] line)
    {
        var error = IrcParser.TryParse(line, out var message);
        if (error != IrcParseError.None)
        {
            Assert.Null(message);
        }

        return error;
    }

    private static IrcParseError ParseError(string line) => ParseError(Encoding.UTF8.GetBytes(line));

    [Fact]
    public void PlainCommandWithoutParameters()
    {
        var m = ParseOk("QUIT");
        Assert.Equal("QUIT", m.Command);
        Assert.Null(m.Source);
        Assert.Empty(m.Parameters);
        Assert.Empty(m.Tags);
    }

    [Fact]
    public void CommandKeepsItsCaseButComparesInsensitively()
    {
        var m = ParseOk("privmsg #a hi");
        Assert.Equal("privmsg", m.Command);
        Assert.True(m.Is("PRIVMSG"));
        Assert.False(m.Is("NOTICE"));
    }

    [Fact]
    public void MiddleParameters()
    {
        var m = ParseOk("USER alice 0 * realname");
        Assert.Equal("USER", m.Command);
        Assert.Equal(["alice", "0", "*", "realname"], m.Parameters);
    }

    [Fact]
    public void SourcePrefix()
    {
        var m = ParseOk(":alice!a@host.example PRIVMSG #chan :hello");
        Assert.Equal("alice!a@host.example", m.Source);
        Assert.Equal("alice", m.SourceNick);
        Assert.Equal("PRIVMSG", m.Command);
        Assert.Equal(["#chan", "hello"], m.Parameters);
    }

    [Fact]
    public void ServerNameSource()
    {
        var m = ParseOk(":irc.example.net 001 alice :Welcome");
        Assert.Equal("irc.example.net", m.Source);
        Assert.Equal("irc.example.net", m.SourceNick);
        Assert.Equal("001", m.Command);
    }

    [Fact]
    public void TrailingParameterKeepsSpacesAndColons()
    {
        var m = ParseOk("PRIVMSG #a :hello there: how  are :you ");
        Assert.Equal(["#a", "hello there: how  are :you "], m.Parameters);
    }

    [Fact]
    public void TrailingParameterMayStartWithColon()
    {
        var m = ParseOk("PRIVMSG #a ::-)");
        Assert.Equal(":-)", m.Param(1));
    }

    [Fact]
    public void ColonInsideMiddleParameterIsKept()
    {
        var m = ParseOk("PRIVMSG a:b :c");
        Assert.Equal(["a:b", "c"], m.Parameters);
    }

    [Fact]
    public void EmptyTrailingParameter()
    {
        var m = ParseOk("PRIVMSG #a :");
        Assert.Equal(["#a", ""], m.Parameters);
    }

    [Fact]
    public void MultipleSpacesBetweenParts()
    {
        var m = ParseOk("  :src   PRIVMSG    #a     b   :c  d");
        Assert.Equal("src", m.Source);
        Assert.Equal("PRIVMSG", m.Command);
        Assert.Equal(["#a", "b", "c  d"], m.Parameters);
    }

    [Fact]
    public void TrailingSpacesAddNoEmptyParameter()
    {
        var m = ParseOk("JOIN #a   ");
        Assert.Equal(["#a"], m.Parameters);
    }

    [Fact]
    public void FifteenthParameterSwallowsTheRest()
    {
        string fourteen = string.Join(' ', Enumerable.Range(1, 14));
        var m = ParseOk($"CMD {fourteen} fifteen sixteen :seventeen");
        Assert.Equal(15, m.Parameters.Count);
        Assert.Equal("14", m.Param(13));
        Assert.Equal("fifteen sixteen :seventeen", m.Param(14));
    }

    [Fact]
    public void FifteenthParameterWithColonLosesOnlyTheColon()
    {
        string fourteen = string.Join(' ', Enumerable.Range(1, 14));
        var m = ParseOk($"CMD {fourteen} :last one");
        Assert.Equal(15, m.Parameters.Count);
        Assert.Equal("last one", m.Param(14));
    }

    [Fact]
    public void FourteenParametersAreAllMiddle()
    {
        string fourteen = string.Join(' ', Enumerable.Range(1, 14));
        var m = ParseOk($"CMD {fourteen}");
        Assert.Equal(Enumerable.Range(1, 14).Select(i => i.ToString()), m.Parameters);
    }

    [Theory]
    [InlineData("001")]
    [InlineData("433")]
    [InlineData("999")]
    public void NumericCommands(string numeric)
    {
        var m = ParseOk($":server {numeric} nick :text");
        Assert.Equal(numeric, m.Command);
        Assert.Equal(["nick", "text"], m.Parameters);
    }

    [Theory]
    [InlineData("12")]
    [InlineData("1234")]
    [InlineData("PRIV-MSG")]
    [InlineData("PRIVMSG1")]
    [InlineData("1AB")]
    [InlineData("É")]
    [InlineData(":src 12 x")]
    [InlineData("@a=b 1234 x")]
    public void BadCommandTokensAreMalformed(string line)
    {
        Assert.Equal(IrcParseError.Malformed, ParseError(line));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("     ")]
    public void EmptyAndSpaceOnlyLines(string line)
    {
        Assert.Equal(IrcParseError.Empty, ParseError(line));
    }

    [Theory]
    [InlineData(":nick")]
    [InlineData(":nick ")]
    [InlineData(":nick    ")]
    [InlineData("@a=b :nick")]
    [InlineData("@a=b :nick ")]
    [InlineData("@a=b")]
    [InlineData("@a=b ")]
    public void SourceOrTagsWithNothingAfterThemAreMalformed(string line)
    {
        Assert.Equal(IrcParseError.Malformed, ParseError(line));
    }

    [Fact]
    public void TagsWithAndWithoutValues()
    {
        var m = ParseOk("@id=123;bot;time=2024-01-01T00:00:00.000Z;empty= :n!u@h PRIVMSG #a :hi");
        Assert.Equal(4, m.Tags.Count);
        Assert.Equal("123", m.Tags["id"]);
        Assert.Equal("", m.Tags["bot"]);
        Assert.Equal("2024-01-01T00:00:00.000Z", m.Tags["time"]);
        Assert.Equal("", m.Tags["empty"]);
        Assert.Equal("n!u@h", m.Source);
        Assert.Equal(["#a", "hi"], m.Parameters);
    }

    [Fact]
    public void ClientOnlyAndVendorTags()
    {
        var m = ParseOk("@+draft/reply=abc;+example.com/x=1;example.org/vendor=yes;+typing=active TAGMSG #a");
        Assert.Equal("abc", m.Tags["+draft/reply"]);
        Assert.Equal("1", m.Tags["+example.com/x"]);
        Assert.Equal("yes", m.Tags["example.org/vendor"]);
        Assert.Equal("active", m.Tags["+typing"]);
        Assert.Equal("TAGMSG", m.Command);
    }

    [Theory]
    [InlineData(@"a\:b", "a;b")]
    [InlineData(@"a\sb", "a b")]
    [InlineData(@"a\\b", @"a\b")]
    [InlineData(@"a\rb", "a\rb")]
    [InlineData(@"a\nb", "a\nb")]
    [InlineData(@"\:\s\\\r\n", "; \\\r\n")]
    [InlineData(@"a\bc", "abc")]
    [InlineData(@"\x\y\z", "xyz")]
    [InlineData(@"abc\", "abc")]
    [InlineData(@"\", "")]
    [InlineData(@"a\\\", @"a\")]
    [InlineData("a=b=c", "a=b=c")]
    [InlineData("héllo😀", "héllo😀")]
    public void EscapedTagValues(string raw, string expected)
    {
        var m = ParseOk($"@k={raw} PING x");
        Assert.Equal(expected, m.Tags["k"]);
    }

    [Fact]
    public void EmptyTagsAndLaterDuplicatesAreTolerated()
    {
        var m = ParseOk("@a=1;;b;a=2;=nokey PING");
        Assert.Equal(2, m.Tags.Count);
        Assert.Equal("2", m.Tags["a"]);
        Assert.Equal("", m.Tags["b"]);
    }

    [Fact]
    public void TagsAreCaseSensitive()
    {
        var m = ParseOk("@A=1;a=2 PING");
        Assert.Equal("1", m.Tags["A"]);
        Assert.Equal("2", m.Tags["a"]);
    }

    // ---- limits ------------------------------------------------------------

    /// <summary>"PRIVMSG #a :" followed by filler to make a body of exactly <paramref name="bodyBytes"/> bytes.</summary>
    private static string Body(int bodyBytes)
    {
        const string head = "PRIVMSG #a :";
        return head + new string('x', bodyBytes - head.Length);
    }

    /// <summary>A tag section of exactly <paramref name="sectionBytes"/> bytes, '@' and the trailing space included.</summary>
    private static string Tags(int sectionBytes) => "@k=" + new string('v', sectionBytes - 4) + " ";

    [Fact]
    public void BodyOfExactly510BytesIsAccepted()
    {
        string line = Body(IrcLimits.MaxBody);
        Assert.Equal(510, Encoding.UTF8.GetByteCount(line));
        var m = ParseOk(line);
        Assert.Equal(510 - "PRIVMSG #a :".Length, m.Param(1)!.Length);
    }

    [Fact]
    public void BodyOf511BytesIsTooLong()
    {
        Assert.Equal(IrcParseError.TooLong, ParseError(Body(IrcLimits.MaxBody + 1)));
    }

    [Fact]
    public void BodyLimitCountsBytesNotCharacters()
    {
        // 'é' is two bytes: 250 of them plus the head pass 510 bytes with only ~262 chars.
        string line = "PRIVMSG #a :" + new string('é', 250);
        Assert.Equal(IrcParseError.TooLong, ParseError(line));
        string fits = "PRIVMSG #a :" + new string('é', 249);
        Assert.Equal(new string('é', 249), ParseOk(fits).Param(1));
    }

    [Fact]
    public void BodyWithSourceCountsTheSource()
    {
        string source = ":" + new string('s', 99) + " ";
        Assert.Equal(IrcParseError.TooLong, ParseError(source + Body(IrcLimits.MaxBody - source.Length + 1)));
        Assert.Equal(IrcParseError.None, ParseError(source + Body(IrcLimits.MaxBody - source.Length)));
    }

    [Fact]
    public void TagSectionOfExactly8191BytesIsAccepted()
    {
        string tags = Tags(IrcLimits.MaxTags);
        Assert.Equal(8191, Encoding.UTF8.GetByteCount(tags));
        var m = ParseOk(tags + "PING x");
        Assert.Equal(8191 - "@k= ".Length, m.Tags["k"].Length);
    }

    [Fact]
    public void TagSectionOf8192BytesIsTooLong()
    {
        Assert.Equal(IrcParseError.TagsTooLong, ParseError(Tags(IrcLimits.MaxTags + 1) + "PING x"));
    }

    [Fact]
    public void TagSectionWithoutEndIsTooLongPastTheLimit()
    {
        string tags = "@k=" + new string('v', IrcLimits.MaxTags);
        Assert.Equal(IrcParseError.TagsTooLong, ParseError(tags));
    }

    [Fact]
    public void MaximalTagsAndMaximalBodyTogetherAreAccepted()
    {
        string line = Tags(IrcLimits.MaxTags) + Body(IrcLimits.MaxBody);
        Assert.Equal(IrcLimits.MaxLine - 2, Encoding.UTF8.GetByteCount(line));
        Assert.Equal(IrcParseError.None, ParseError(line));
        Assert.Equal(IrcParseError.TooLong, ParseError(Tags(IrcLimits.MaxTags) + Body(IrcLimits.MaxBody + 1)));
    }

    [Fact]
    public void BodyLimitIsIndependentOfTags()
    {
        // Tag bytes must not eat into the 510 bytes the body is allowed.
        string line = Tags(100) + Body(IrcLimits.MaxBody);
        Assert.Equal(IrcParseError.None, ParseError(line));
    }

    // ---- bytes that are not text -------------------------------------------

    [Theory]
    [InlineData(new byte[] { 0xC0, 0x80 })]             // overlong NUL
    [InlineData(new byte[] { 0xC1, 0xBF })]             // overlong '?'
    [InlineData(new byte[] { 0xE0, 0x80, 0xAF })]       // overlong '/'
    [InlineData(new byte[] { 0x80 })]                   // lone continuation byte
    [InlineData(new byte[] { 0xBF, 0x41 })]             // continuation then ASCII
    [InlineData(new byte[] { 0xE2, 0x82 })]             // truncated '€'
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 })]       // truncated emoji
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]       // UTF-16 surrogate encoded
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // above U+10FFFF
    [InlineData(new byte[] { 0xFF })]
    public void InvalidUtf8IsRejected(byte[] bad)
    {
        byte[] line = [.. "PRIVMSG #a :x"u8, .. bad, .. "y"u8];
        Assert.Equal(IrcParseError.InvalidUtf8, ParseError(line));
    }

    [Fact]
    public void InvalidUtf8InTagsOrSourceIsRejected()
    {
        Assert.Equal(IrcParseError.InvalidUtf8, ParseError([.. "@k="u8, 0xC3, .. " PING"u8]));
        Assert.Equal(IrcParseError.InvalidUtf8, ParseError([.. ":n"u8, 0x80, .. " PING"u8]));
    }

    [Fact]
    public void ValidMultiByteUtf8IsDecoded()
    {
        var m = ParseOk(":María!m@h PRIVMSG #café :ñandú € 😀 日本");
        Assert.Equal("María", m.SourceNick);
        Assert.Equal(["#café", "ñandú € 😀 日本"], m.Parameters);
    }

    [Theory]
    [InlineData("PRIVMSG #a :x\0y")]
    [InlineData("PRIV\0MSG #a :x")]
    [InlineData("@k=\0 PING")]
    [InlineData(":n\0 PING")]
    [InlineData("\0")]
    public void NulByteIsMalformed(string line)
    {
        Assert.Equal(IrcParseError.Malformed, ParseError(line));
    }

    [Fact]
    public void ParseOfTextStripsTheLineEnding()
    {
        var m = IrcParser.Parse("PING :abc\r\n");
        Assert.Equal(["abc"], m.Parameters);
        Assert.Throws<FormatException>(() => IrcParser.Parse("12 x"));
    }

    // ---- split across segments --------------------------------------------

    [Fact]
    public void MessageSplitAcrossSegmentsAtEveryBytePosition()
    {
        const string text = "@time=2024;+draft/x=a\\sb :María!m@h PRIVMSG #café :hé 😀 there\r\n";
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var expected = ParseOk(text.TrimEnd('\r', '\n'));
        for (int at = 0; at <= bytes.Length; at++)
        {
            var buffer = TestSequences.SplitAt(bytes, at);
            Assert.True(LineFraming.TryTakeLine(ref buffer, out var line), $"no line when split at {at}");
            var error = IrcParser.TryParse(line.ToArray(), out var m);
            Assert.True(error == IrcParseError.None, $"split at {at}: {error}");
            MessageAssert.Equal(expected, m!);
            Assert.Equal("a b", m!.Tags["+draft/x"]);

            // What is left is the LF of the CR LF: an empty line, then nothing.
            Assert.True(LineFraming.TryTakeLine(ref buffer, out var rest));
            Assert.True(rest.IsEmpty);
            Assert.True(buffer.IsEmpty);
        }
    }

    [Fact]
    public void MessageSplitIntoOneSegmentPerByte()
    {
        const string text = ":n!u@h PRIVMSG #a :hé 😀\n";
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var buffer = TestSequences.FromChunks(bytes.Select(b => new[] { b }).ToArray());
        Assert.True(LineFraming.TryTakeLine(ref buffer, out var line));
        Assert.Equal(IrcParseError.None, IrcParser.TryParse(line.ToArray(), out var m));
        Assert.Equal(["#a", "hé 😀"], m!.Parameters);
        Assert.True(buffer.IsEmpty);
    }
}
