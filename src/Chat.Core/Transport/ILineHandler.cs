using System.Buffers;

namespace Chat.Core.Transport;

/// <summary>What a <see cref="LineConnection"/> hands each received line to.</summary>
public interface ILineHandler
{
    /// <summary>
    /// One non-empty line without its terminator. The bytes are only valid until
    /// the returned task completes; lines of one connection arrive one at a time.
    /// </summary>
    ValueTask OnLineAsync(ReadOnlySequence<byte> line);

    /// <summary>A line passed <see cref="ConnectionOptions.MaxLineLength"/> and is being skipped.</summary>
    void OnLineTooLong();
}
