using System.Security.Cryptography;
using Chat.Core.Protocol;

namespace Chat.Server;

/// <summary>
/// IRCv3 labeled-response for one command: the replies the command produces for
/// its sender are held back, then sent with the label: one reply carries the
/// label tag, several go in a labeled-response batch, none give an ACK.
/// </summary>
/// <remarks>
/// Only lines produced by the command itself (its flow of execution, including
/// work it deferred, tracked with <see cref="Current"/>) are captured, so a
/// message another client sends at the same moment is never mislabeled.
/// </remarks>
internal sealed class LabeledResponse
{
    private readonly Client _client;
    private readonly string _label;
    private readonly List<IrcMessage> _lines = new();

    /// <summary>The labeled command whose flow of execution this is, if any.</summary>
    internal static readonly AsyncLocal<LabeledResponse?> Current = new();

    public LabeledResponse(Client client, string label)
    {
        _client = client;
        _label = label;
    }

    public bool TryCapture(IrcMessage message)
    {
        if (Current.Value != this)
        {
            return false;
        }

        _lines.Add(message);
        return true;
    }

    public void Flush()
    {
        string server = _client.Server.Name;
        if (_lines.Count == 0)
        {
            _client.SendRaw(new IrcMessage(Tagged(null, "label", _label), server, "ACK", []));
            return;
        }

        if (_lines.Count == 1)
        {
            _client.SendRaw(_lines[0].WithTags(Tagged(_lines[0].Tags, "label", _label)));
            return;
        }

        if (!_client.Has(Cap.Batch))
        {
            // Several replies can only be labeled inside a batch.
            foreach (var line in _lines)
            {
                _client.SendRaw(line);
            }

            return;
        }

        string reference = NewBatchReference();
        _client.SendRaw(new IrcMessage(Tagged(null, "label", _label), server, "BATCH", ["+" + reference, "labeled-response"]));
        foreach (var line in _lines)
        {
            // Lines already inside a nested batch keep that batch's tag.
            _client.SendRaw(line.Tags.ContainsKey("batch") ? line : line.WithTags(Tagged(line.Tags, "batch", reference)));
        }

        _client.SendRaw(new IrcMessage(null, server, "BATCH", ["-" + reference]));
    }

    /// <summary>A short random batch reference.</summary>
    public static string NewBatchReference() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

    private static Dictionary<string, string> Tagged(IReadOnlyDictionary<string, string>? tags, string key, string value)
    {
        var result = tags is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(tags, StringComparer.Ordinal);
        result[key] = value;
        return result;
    }
}
