using System.Buffers;

namespace Chat.Core.Transport;

/// <summary>
/// Splits a byte stream into lines. A line ends at LF, CR LF or a bare CR, as
/// Modern IRC asks servers to accept; the terminator is not part of the line.
/// CR LF therefore yields the line and then an empty one, which readers skip.
/// </summary>
public static class LineFraming
{
    private static readonly SearchValues<byte> Terminators = SearchValues.Create("\r\n"u8);

    public static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        if (buffer.IsSingleSegment)
        {
            int i = buffer.FirstSpan.IndexOfAny(Terminators);
            if (i < 0)
            {
                line = default;
                return false;
            }

            line = buffer.Slice(0, i);
            buffer = buffer.Slice(i + 1);
            return true;
        }

        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadToAny(out line, "\r\n"u8, advancePastDelimiter: true))
        {
            buffer = buffer.Slice(reader.Position);
            return true;
        }

        return false;
    }
}
