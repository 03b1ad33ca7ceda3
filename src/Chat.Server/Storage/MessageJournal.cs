using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Chat.Server.Storage;

/// <summary>
/// Append-only files of messages not yet in the database (chat.journal and
/// chat.journal.2 beside chat.db). Whoever stores a message appends it to the
/// active file with one write and may then deliver it. The store's writer moves
/// journaled messages into the database later, many in one transaction: first it
/// rotates (new messages go to the other file), and once the transaction has
/// committed it empties the file it rotated away from. A server killed in between
/// finds them here when it opens the store again.
/// </summary>
/// <remarks>
/// A file starts with a header: "CHJ2" and its generation (8 bytes,
/// little-endian), which orders the two files on recovery. A record is its
/// payload's length (4 bytes, little-endian), an FNV-1a hash of the payload (4
/// bytes) and the payload: the message's fields, strings as a length (-1 for
/// null) and UTF-8 bytes, the time as milliseconds. Reading a file stops at the
/// first record that is cut short or does not match its hash: the tail of a write
/// that a kill interrupted, whose messages were never delivered. A file without
/// the header (the single journal of earlier versions) is read as the oldest.
/// Not thread-safe: the store serialises calls.
/// </remarks>
internal sealed class MessageJournal : IDisposable
{
    private const int HeaderSize = 8;
    private const int FileHeaderSize = 12;
    private const int MaxRecord = 1 << 20;
    private static ReadOnlySpan<byte> Magic => "CHJ2"u8;

    private readonly Segment[] _files = new Segment[2];
    private readonly bool _sync;
    private byte[] _bytes = new byte[64 * 1024];
    private int _count;
    private int _active;
    private long _generation;

    /// <summary>
    /// Opens (or creates) both files, locked for this process: two servers on one
    /// data folder would each apply and empty the other's journal.
    /// </summary>
    /// <exception cref="IOException">Another process has the journal open.</exception>
    public MessageJournal(string path, bool sync)
    {
        _sync = sync;
        try
        {
            _files[0] = new Segment(path);
            _files[1] = new Segment(path + ".2");
        }
        catch
        {
            _files[0]?.Handle.Dispose();
            throw;
        }
    }

    /// <summary>The journal's (first) file name in a data directory.</summary>
    public static string PathIn(string directory) => Path.Combine(directory, "chat.journal");

    /// <summary>Bytes in both files.</summary>
    public long Length => _files[0].Length + _files[1].Length;

    /// <summary>
    /// Every whole record of both files, the older file first. Afterwards new
    /// records go to an empty file (after <see cref="Clear"/>) with a newer generation.
    /// </summary>
    public List<StoredMessage> ReadAll()
    {
        var found = new List<(long Generation, List<StoredMessage> Messages)>();
        foreach (var file in _files)
        {
            var (generation, messages) = file.ReadAll();
            _generation = Math.Max(_generation, generation);
            found.Add((generation, messages));
        }

        found.Sort((a, b) => a.Generation.CompareTo(b.Generation));
        return [.. found[0].Messages, .. found[1].Messages];
    }

    /// <summary>Appends one message with one write (and an fsync when asked for); throws if the write fails.</summary>
    public void Append(StoredMessage message)
    {
        var file = Begin();
        Encode(message);
        Write(file);
    }

    /// <summary>Appends the messages with one write (and an fsync when asked for); throws if the write fails.</summary>
    public void Append(IReadOnlyList<StoredMessage> messages)
    {
        var file = Begin();
        foreach (var m in messages)
        {
            Encode(m);
        }

        Write(file);
    }

    /// <summary>
    /// New records go to the other file from now on; false (and nothing changes)
    /// while that one still holds records, not yet cleared by <see cref="ClearRetired"/>.
    /// </summary>
    public bool Rotate()
    {
        if (_files[1 - _active].Length > 0)
        {
            return false;
        }

        _active = 1 - _active;
        return true;
    }

    /// <summary>Empties the file rotated away from: everything in it is in the database now.</summary>
    public void ClearRetired() => _files[1 - _active].Clear();

    /// <summary>Empties both files: everything in them is in the database now.</summary>
    public void Clear()
    {
        _files[0].Clear();
        _files[1].Clear();
    }

    public void Dispose()
    {
        _files[0].Handle.Dispose();
        _files[1].Handle.Dispose();
    }

    /// <summary>The active file, with its header in the buffer when it is empty.</summary>
    private Segment Begin()
    {
        _count = 0;
        var file = _files[_active];
        if (file.Length == 0)
        {
            Reserve(FileHeaderSize);
            Magic.CopyTo(_bytes);
            BinaryPrimitives.WriteInt64LittleEndian(_bytes.AsSpan(4), ++_generation);
            _count = FileHeaderSize;
        }

        return file;
    }

    private void Write(Segment file)
    {
        try
        {
            RandomAccess.Write(file.Handle, _bytes.AsSpan(0, _count), file.Length);
            if (_sync)
            {
                RandomAccess.FlushToDisk(file.Handle);
            }
        }
        catch
        {
            // Whatever part reached the file is cut off again, best effort; readers
            // would stop at it anyway, and the next write overwrites it.
            try
            {
                RandomAccess.SetLength(file.Handle, file.Length);
            }
            catch (IOException)
            {
            }

            throw;
        }

        file.Length += _count;
    }

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

    /// <summary>One of the two files: its handle and how much of it holds whole records.</summary>
    private sealed class Segment
    {
        public Segment(string path)
        {
            try
            {
                Handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex) when (File.Exists(path))
            {
                throw new IOException($"{path} is in use by another chat server; a data folder serves one server at a time", ex);
            }

            Length = RandomAccess.GetLength(Handle);
        }

        public SafeFileHandle Handle { get; }

        /// <summary>Bytes of whole records (and the header) written or found since the last <see cref="Clear"/>.</summary>
        public long Length { get; set; }

        public void Clear()
        {
            RandomAccess.SetLength(Handle, 0);
            Length = 0;
        }

        /// <summary>The file's generation (0 without a header) and its whole records, in order.</summary>
        public (long Generation, List<StoredMessage> Messages) ReadAll()
        {
            var messages = new List<StoredMessage>();
            long size = RandomAccess.GetLength(Handle);
            var bytes = new byte[size];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(Handle, bytes.AsSpan(read), read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            var rest = bytes.AsSpan(0, read);
            long generation = 0;
            long valid = 0;
            if (rest.Length >= FileHeaderSize && rest.StartsWith(Magic))
            {
                generation = BinaryPrimitives.ReadInt64LittleEndian(rest[4..]);
                rest = rest[FileHeaderSize..];
                valid = FileHeaderSize;
            }

            while (rest.Length >= HeaderSize)
            {
                int length = BinaryPrimitives.ReadInt32LittleEndian(rest);
                uint hash = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
                if (length <= 0 || length > MaxRecord || rest.Length - HeaderSize < length)
                {
                    break;
                }

                var payload = rest.Slice(HeaderSize, length);
                if (Hash(payload) != hash || !TryDecode(payload, out var message))
                {
                    break;
                }

                messages.Add(message);
                rest = rest[(HeaderSize + length)..];
                valid += HeaderSize + length;
            }

            Length = valid;
            return (generation, messages);
        }
    }

    private static uint Hash(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}
