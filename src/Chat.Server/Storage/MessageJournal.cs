using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Chat.Server.Storage;

/// <summary>
/// An append-only file of messages not yet in the database (chat.journal beside
/// chat.db). The SQLite writer appends each group of messages with one write and
/// delivers them; it moves them into the database later, many groups in one
/// transaction, and then empties the file. A server killed in between finds them
/// here when it opens the store again.
/// </summary>
/// <remarks>
/// A record is its payload's length (4 bytes, little-endian), a CRC-32C of the
/// payload (4 bytes) and the payload: the message's fields, strings as a length
/// (-1 for null) and UTF-8 bytes, the time as milliseconds. Reading stops at the
/// first record that is cut short or does not match its hash: the tail of a
/// write that a kill interrupted, whose messages were never delivered. Records
/// hashed with FNV-1a, as versions before 2026-11-21's ninth session wrote
/// them, are read too, so a journal a killed older server left is not lost to
/// an upgrade.
/// </remarks>
internal sealed class MessageJournal : IDisposable
{
    private const int HeaderSize = 8;
    private const int MaxRecord = 1 << 20;

    private readonly SafeFileHandle _file;
    private readonly bool _sync;
    private byte[] _bytes = new byte[64 * 1024];
    private int _count;
    private long _length;

    /// <summary>
    /// Opens (or creates) the journal, locked for this process: two servers on one
    /// data folder would each apply and empty the other's journal.
    /// </summary>
    /// <exception cref="IOException">Another process has the journal open.</exception>
    public MessageJournal(string path, bool sync)
    {
        try
        {
            _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (File.Exists(path))
        {
            throw new IOException($"{path} is in use by another chat server; a data folder serves one server at a time", ex);
        }

        _sync = sync;
        _length = RandomAccess.GetLength(_file);
    }

    /// <summary>The journal's file name in a data directory.</summary>
    public static string PathIn(string directory) => Path.Combine(directory, "chat.journal");

    /// <summary>Bytes written since the last <see cref="Clear"/>.</summary>
    public long Length => _length;

    /// <summary>Every whole record from the start, in order.</summary>
    public List<StoredMessage> ReadAll()
    {
        var messages = new List<StoredMessage>();
        long size = RandomAccess.GetLength(_file);
        if (size == 0)
        {
            return messages;
        }

        var bytes = new byte[size];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(_file, bytes.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        var rest = bytes.AsSpan(0, read);
        long valid = 0;
        while (rest.Length >= HeaderSize)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(rest);
            uint hash = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            if (length <= 0 || length > MaxRecord || rest.Length - HeaderSize < length)
            {
                break;
            }

            var payload = rest.Slice(HeaderSize, length);
            if ((Hash(payload) != hash && LegacyHash(payload) != hash) || !TryDecode(payload, out var message))
            {
                break;
            }

            messages.Add(message);
            rest = rest[(HeaderSize + length)..];
            valid += HeaderSize + length;
        }

        _length = valid;
        return messages;
    }

    /// <summary>Appends the messages with one write (and an fsync when asked for); throws if the write fails.</summary>
    public void Append(IReadOnlyList<StoredMessage> messages)
    {
        _count = 0;
        foreach (var m in messages)
        {
            Encode(m);
        }

        try
        {
            RandomAccess.Write(_file, _bytes.AsSpan(0, _count), _length);
            if (_sync)
            {
                RandomAccess.FlushToDisk(_file);
            }
        }
        catch
        {
            // Whatever part of the group reached the file is cut off again, best effort;
            // readers would stop at it anyway, and the next group overwrites it.
            try
            {
                RandomAccess.SetLength(_file, _length);
            }
            catch (IOException)
            {
            }

            throw;
        }

        _length += _count;
    }

    /// <summary>Empties the file: everything in it is in the database now.</summary>
    public void Clear()
    {
        RandomAccess.SetLength(_file, 0);
        _length = 0;
    }

    public void Dispose() => _file.Dispose();

    private void Encode(StoredMessage m)
    {
        int start = _count;
        Reserve(HeaderSize + 8);
        _count += HeaderSize;
        BinaryPrimitives.WriteInt64LittleEndian(_bytes.AsSpan(_count), m.Time.ToUnixTimeMilliseconds());
        _count += 8;
        WriteString(m.MsgId);
        WriteString(m.Conversation);
        WriteString(m.Command);
        WriteString(m.Sender);
        WriteString(m.SenderNick);
        WriteString(m.Account);
        WriteString(m.Target);
        WriteString(m.Text);
        WriteString(m.Tags);

        // The header goes in front now that the payload is known.
        int length = _count - start - HeaderSize;
        var record = _bytes.AsSpan(start, HeaderSize + length);
        BinaryPrimitives.WriteInt32LittleEndian(record, length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Hash(record[HeaderSize..]));
    }

    private void WriteString(string? value)
    {
        if (value is null)
        {
            Reserve(4);
            BinaryPrimitives.WriteInt32LittleEndian(_bytes.AsSpan(_count), -1);
            _count += 4;
            return;
        }

        Reserve(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        int count = Encoding.UTF8.GetBytes(value, _bytes.AsSpan(_count + 4));
        BinaryPrimitives.WriteInt32LittleEndian(_bytes.AsSpan(_count), count);
        _count += 4 + count;
    }

    private void Reserve(int more)
    {
        if (_count + more > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _count + more));
        }
    }

    private static bool TryDecode(ReadOnlySpan<byte> payload, out StoredMessage message)
    {
        message = null!;
        if (payload.Length < 8)
        {
            return false;
        }

        long time = BinaryPrimitives.ReadInt64LittleEndian(payload);
        var rest = payload[8..];
        var fields = new string?[9];
        for (int i = 0; i < fields.Length; i++)
        {
            if (rest.Length < 4)
            {
                return false;
            }

            int count = BinaryPrimitives.ReadInt32LittleEndian(rest);
            rest = rest[4..];
            if (count == -1)
            {
                continue;
            }

            if (count < 0 || count > rest.Length)
            {
                return false;
            }

            fields[i] = Encoding.UTF8.GetString(rest[..count]);
            rest = rest[count..];
        }

        // Every field but the account and the tags is required.
        for (int i = 0; i < fields.Length; i++)
        {
            if (fields[i] is null && i != 5 && i != 8)
            {
                return false;
            }
        }

        message = new StoredMessage(fields[0]!, DateTimeOffset.FromUnixTimeMilliseconds(time), fields[1]!, fields[2]!, fields[3]!,
            fields[4]!, fields[5], fields[6]!, fields[7]!, fields[8]);
        return rest.IsEmpty;
    }

    /// <summary>CRC-32C: the processor's own instruction where there is one, 8 bytes a step where FNV-1a takes one.</summary>
    internal static uint Hash(ReadOnlySpan<byte> bytes)
    {
        uint crc = uint.MaxValue;
        while (bytes.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[sizeof(ulong)..];
        }

        foreach (byte b in bytes)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>The FNV-1a hash that journals written before CRC-32C carry.</summary>
    internal static uint LegacyHash(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}
