using System.Buffers;
using System.Text;

namespace Chat.Core.Protocol;

/// <summary>
/// Writes an <see cref="IrcMessage"/> in wire form. The output never exceeds the
/// protocol's limits: a body longer than 510 bytes has its last parameter cut at
/// a character boundary, so a caller can never emit an over-long line.
/// </summary>
public static class IrcWriter
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();

    // One growable buffer per thread for ToBytes: the line's own array is its only allocation.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static byte[] ToBytes(IrcMessage message, bool withCrlf = true)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Write(message, buffer, withCrlf);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(IrcMessage message, IBufferWriter<byte> output, bool withCrlf = true)
    {
        EnsureNoLineBreak(message.Source, "The source", nameof(message));
        EnsureNoLineBreak(message.Command, "The command", nameof(message));
        if (message.Tags.Count > 0)
        {
            WriteTags(message.Tags, output);
        }

        // Encoded piece by piece into a stack buffer of 510 bytes; what does not fit
        // is cut at a character boundary, so the line never passes the limit.
        Span<byte> body = stackalloc byte[IrcLimits.MaxBody];
        var line = new BodyWriter(body);
        if (message.Source is not null)
        {
            line.Append(":");
            line.Append(message.Source);
            line.Append(" ");
        }

        line.Append(message.Command);
        var ps = message.Parameters;
        for (int i = 0; i < ps.Count; i++)
        {
            string p = ps[i];
            if (p.AsSpan().IndexOfAny("\r\n\0") >= 0)
            {
                throw new ArgumentException($"Parameter {i} of {message.Command} contains CR, LF or NUL.", nameof(message));
            }

            bool last = i == ps.Count - 1;
            if (!last && (p.Length == 0 || p.Contains(' ') || p[0] == ':'))
            {
                throw new ArgumentException($"Middle parameter {i} of {message.Command} is empty, has a space or starts with ':'.", nameof(message));
            }

            line.Append(last && (p.Length == 0 || p.Contains(' ') || p[0] == ':') ? " :" : " ");
            line.Append(p);
        }

        output.Write(body[..line.Length]);
        if (withCrlf)
        {
            output.Write(Crlf);
        }
    }

    /// <summary>UTF-8 into a fixed span; once a piece does not fit, its longest whole-character prefix goes in and the rest is dropped.</summary>
    private ref struct BodyWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private bool _full;

        public int Length { get; private set; }

        public void Append(ReadOnlySpan<char> text)
        {
            if (_full)
            {
                return;
            }

            var free = _destination[Length..];
            if (Encoding.UTF8.TryGetBytes(text, free, out int written))
            {
                Length += written;
                return;
            }

            Length += Utf8Prefix(text, free);
            _full = true;
        }
    }

    /// <summary>Encodes the longest prefix of <paramref name="text"/> that fits, never splitting a character.</summary>
    private static int Utf8Prefix(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var encoder = Encoding.UTF8.GetEncoder();
        encoder.Convert(text, destination, flush: true, out _, out int bytesUsed, out _);
        return bytesUsed;
    }

    /// <summary>Throws when <paramref name="text"/> has a CR, LF or NUL, which would end the line early or make it unparsable.</summary>
    private static void EnsureNoLineBreak(string? text, string what, string paramName)
    {
        if (text is not null && text.AsSpan().IndexOfAny("\r\n\0") >= 0)
        {
            throw new ArgumentException($"{what} contains CR, LF or NUL.", paramName);
        }
    }

    private static void WriteTags(IReadOnlyDictionary<string, string> tags, IBufferWriter<byte> output)
    {
        var sb = new StringBuilder(64);
        sb.Append('@');
        bool first = true;
        foreach (var (key, value) in tags)
        {
            if (!first)
            {
                sb.Append(';');
            }

            first = false;

            // Values escape CR and LF, but keys have no escaping and NUL has no escape.
            EnsureNoLineBreak(key, "A tag key", nameof(tags));
            if (value.Contains('\0'))
            {
                throw new ArgumentException($"The value of tag {key} contains NUL.", nameof(tags));
            }

            sb.Append(key);
            if (value.Length > 0)
            {
                sb.Append('=').Append(IrcTagEscaping.Escape(value));
            }
        }

        sb.Append(' ');
        string text = sb.ToString();
        if (Encoding.UTF8.GetByteCount(text) > IrcLimits.MaxTags)
        {
            // Tags that do not fit are dropped whole rather than sent cut.
            return;
        }

        Encoding.UTF8.GetBytes(text, output);
    }
}
