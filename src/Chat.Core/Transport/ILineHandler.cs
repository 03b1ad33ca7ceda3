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

    /// <summary>
    /// Reading has ended, once per connection started with <see cref="LineConnection.Start"/>:
    /// <paramref name="reason"/> is the close reason; <paramref name="error"/> is what a
    /// handler call threw, if that is what ended it (the connection is then closing
    /// with "Internal error"). No line arrives after this call.
    /// </summary>
    void OnClosed(string reason, Exception? error)
    {
    }
}
