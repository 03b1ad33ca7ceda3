using System.Runtime.InteropServices;
using System.Text;
using SQLitePCL;

namespace Chat.Server.Storage;

/// <summary>
/// The writer's prepared <c>INSERT OR IGNORE INTO messages</c>, bound through
/// e_sqlite3 itself rather than SQLitePCLRaw's wrappers. Each message's
/// strings are encoded once into a pinned buffer that SQLite reads in place
/// (SQLITE_STATIC); the wrappers instead encode each string into a buffer of
/// their own, have SQLite copy it again, and count a reference on the
/// statement's handle around every call (13 calls a message, on a path that
/// runs for every message stored). Writer thread only.
/// </summary>
internal sealed class SqliteMessageInsert : IDisposable
{
    private const string Library = "e_sqlite3";

    // SQLITE_STATIC: the text stays where it is until the statement is reset.
    private static readonly nint Static = 0;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly nint _handle;
    private byte[] _text = GC.AllocateUninitializedArray<byte>(16 * 1024, pinned: true);
    private nint _textAddress;
    private int _used;

    /// <param name="db">The writer's connection, for its error messages.</param>
    /// <param name="statement">The prepared insert, owned from now on: its ten parameters in <see cref="StoreRows.MessageColumns"/> order.</param>
    public SqliteMessageInsert(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
        _handle = statement.DangerousGetHandle();
        _textAddress = Marshal.UnsafeAddrOfPinnedArrayElement(_text, 0);
    }

    /// <summary>Inserts the message into the open transaction (nothing when its msgid is already there).</summary>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">SQLite refused it.</exception>
    public void Run(StoredMessage m)
    {
        Reserve(m);
        try
        {
            Bind(1, m.MsgId);
            Check(sqlite3_bind_int64(_handle, 2, m.Time.ToUnixTimeMilliseconds()));
            Bind(3, m.Conversation);
            Bind(4, m.Command);
            Bind(5, m.Sender);
            Bind(6, m.SenderNick);
            Bind(7, m.Account);
            Bind(8, m.Target);
            Bind(9, m.Text);
            Bind(10, m.Tags);
            int rc = sqlite3_step(_handle);
            if (rc != raw.SQLITE_DONE)
            {
                Fail(rc);
            }
        }
        finally
        {
            // Every parameter is bound again for the next message, so only the reset is needed.
            sqlite3_reset(_handle);
            _used = 0;
        }
    }

    public void Dispose() => _statement.Dispose();

    /// <summary>Room in the pinned buffer for every string of the message at its longest.</summary>
    private void Reserve(StoredMessage m)
    {
        int most = Longest(m.MsgId) + Longest(m.Conversation) + Longest(m.Command) + Longest(m.Sender) + Longest(m.SenderNick)
            + Longest(m.Account) + Longest(m.Target) + Longest(m.Text) + Longest(m.Tags);
        if (most > _text.Length)
        {
            _text = GC.AllocateUninitializedArray<byte>(Math.Max(most, _text.Length * 2), pinned: true);
            _textAddress = Marshal.UnsafeAddrOfPinnedArrayElement(_text, 0);
        }

        static int Longest(string? s) => s is null ? 0 : Encoding.UTF8.GetMaxByteCount(s.Length);
    }

    private void Bind(int index, string? value)
    {
        if (value is null)
        {
            Check(sqlite3_bind_null(_handle, index));
            return;
        }

        int count = Encoding.UTF8.GetBytes(value, _text.AsSpan(_used));
        Check(sqlite3_bind_text(_handle, index, _textAddress + _used, count, Static));
        _used += count;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            Fail(rc);
        }
    }

    private void Fail(int rc) => throw SqliteChatStore.ErrorOf(_db, rc);

    [DllImport(Library)]
    private static extern int sqlite3_bind_text(nint statement, int index, nint text, int length, nint destructor);

    [DllImport(Library)]
    private static extern int sqlite3_bind_int64(nint statement, int index, long value);

    [DllImport(Library)]
    private static extern int sqlite3_bind_null(nint statement, int index);

    [DllImport(Library)]
    private static extern int sqlite3_step(nint statement);

    [DllImport(Library)]
    private static extern int sqlite3_reset(nint statement);
}
