using System.Buffers;
using System.Text;
using Chat.Core.Transport;

namespace Chat.Core.Tests;

public class LineFramingTests
{
    /// <summary>Takes every line out of <paramref name="buffer"/>; returns them and what is left.</summary>
    private static (List<string> Lines, string Remainder) TakeAll(ReadOnlySequence<byte> buffer)
    {
        var lines = new List<string>();
        while (LineFraming.TryTakeLine(ref buffer, out var line))
        {
            lines.Add(Encoding.UTF8.GetString(line));
        }

        return (lines, Encoding.UTF8.GetString(buffer));
    }

    private static ReadOnlySequence<byte> Single(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void LfEndsALine()
    {
        var (lines, rest) = TakeAll(Single("PING a\nPING b\n"));
        Assert.Equal(["PING a", "PING b"], lines);
        Assert.Equal("", rest);
    }

    [Fact]
    public void CrLfYieldsTheLineThenAnEmptyOne()
    {
        var (lines, rest) = TakeAll(Single("PING a\r\nPING b\r\n"));
        Assert.Equal(["PING a", "", "PING b", ""], lines);
        Assert.Equal("", rest);
    }

    [Fact]
    public void BareCrEndsALine()
    {
        var (lines, rest) = TakeAll(Single("PING a\rPING b\r"));
        Assert.Equal(["PING a", "PING b"], lines);
        Assert.Equal("", rest);
    }

    [Fact]
    public void MixedTerminators()
    {
        var (lines, rest) = TakeAll(Single("a\nb\r\nc\rd\n\ne"));
        Assert.Equal(["a", "b", "", "c", "d", ""], lines);
        Assert.Equal("e", rest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("PING a")]
    public void NoTerminatorNoLineAndBufferUntouched(string text)
    {
        var buffer = Single(text);
        Assert.False(LineFraming.TryTakeLine(ref buffer, out _));
        Assert.Equal(text, Encoding.UTF8.GetString(buffer));

        var split = TestSequences.FromChunks("PI"u8.ToArray(), "NG"u8.ToArray(), " a"u8.ToArray());
        Assert.False(LineFraming.TryTakeLine(ref split, out _));
        Assert.Equal(6, split.Length);
    }

    [Fact]
    public void PartialLineIsLeftAfterCompleteOnes()
    {
        var (lines, rest) = TakeAll(Single("one\ntwo\nthr"));
        Assert.Equal(["one", "two"], lines);
        Assert.Equal("thr", rest);
    }

    [Theory]
    [InlineData("PING a\nPING b\n")]
    [InlineData("PING a\r\nPING b\r\n")]
    [InlineData("PING a\rPING b\r")]
    [InlineData("x\r\ny\nz\rtail")]
    [InlineData("héllo 😀\r\nñ\n")]
    public void SameLinesWhateverTheSegmentBoundaries(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var expected = TakeAll(Single(text));
        for (int at = 0; at <= bytes.Length; at++)
        {
            AssertSame(expected, TakeAll(TestSequences.SplitAt(bytes, at)));
            for (int at2 = at; at2 <= bytes.Length; at2++)
            {
                var three = TestSequences.FromChunks(bytes[..at], bytes[at..at2], bytes[at2..]);
                AssertSame(expected, TakeAll(three));
            }
        }

        var perByte = TestSequences.FromChunks(bytes.Select(b => new[] { b }).ToArray());
        AssertSame(expected, TakeAll(perByte));
    }

    private static void AssertSame((List<string> Lines, string Remainder) expected, (List<string> Lines, string Remainder) actual)
    {
        Assert.Equal(expected.Lines, actual.Lines);
        Assert.Equal(expected.Remainder, actual.Remainder);
    }

    [Fact]
    public void CrAtTheEndOfOneSegmentAndLfAtTheStartOfTheNext()
    {
        var buffer = TestSequences.FromChunks("PING a\r"u8.ToArray(), "\nPING b"u8.ToArray());
        Assert.True(LineFraming.TryTakeLine(ref buffer, out var line));
        Assert.Equal("PING a", Encoding.UTF8.GetString(line));
        Assert.True(LineFraming.TryTakeLine(ref buffer, out line));
        Assert.True(line.IsEmpty);
        Assert.False(LineFraming.TryTakeLine(ref buffer, out _));
        Assert.Equal("PING b", Encoding.UTF8.GetString(buffer));
    }

    [Fact]
    public void LineSpanningManySegmentsIsWhole()
    {
        var buffer = TestSequences.FromChunks("PRI"u8.ToArray(), "VMSG"u8.ToArray(), [], " #a"u8.ToArray(), " :hi\n"u8.ToArray());
        Assert.True(LineFraming.TryTakeLine(ref buffer, out var line));
        Assert.False(line.IsSingleSegment);
        Assert.Equal("PRIVMSG #a :hi", Encoding.UTF8.GetString(line));
        Assert.True(buffer.IsEmpty);
    }
}
