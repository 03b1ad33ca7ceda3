using Microsoft.Data.Sqlite;

namespace Chat.Server.Storage;

/// <summary>
/// The database schema as an ordered list of steps. A database records the last
/// step it has in <c>schema_version</c>; opening it runs the steps after that,
/// each in its own transaction, so an old file is brought up to date and a new
/// one is built from nothing by the same code. Steps are only ever appended.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: messages, filed by conversation (a room, or the two people of a private talk).
        """
        CREATE TABLE messages(
            id INTEGER PRIMARY KEY,
            msgid TEXT NOT NULL UNIQUE,
            time INTEGER NOT NULL,
            conversation TEXT NOT NULL,
            command TEXT NOT NULL,
            sender TEXT NOT NULL,
            sender_nick TEXT NOT NULL,
            account TEXT,
            target TEXT NOT NULL,
            text TEXT NOT NULL);
        CREATE INDEX messages_by_conversation ON messages(conversation, time, id);
        """,

        // 2: accounts: PBKDF2 verifier and SCRAM-SHA-256 keys, never a password.
        """
        CREATE TABLE accounts(
            folded TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT,
            created INTEGER NOT NULL,
            pbkdf2_salt BLOB NOT NULL,
            pbkdf2_iterations INTEGER NOT NULL,
            pbkdf2_hash BLOB NOT NULL,
            scram_salt BLOB NOT NULL,
            scram_iterations INTEGER NOT NULL,
            scram_stored_key BLOB NOT NULL,
            scram_server_key BLOB NOT NULL);
        """,

        // 3: client tags kept with each message; an index on time for retention and TARGETS.
        """
        ALTER TABLE messages ADD COLUMN tags TEXT;
        CREATE INDEX messages_by_time ON messages(time);
        """,

        // 4: each conversation's latest message time, kept by the writer, so TARGETS reads a few rows, not every message.
        """
        CREATE TABLE conversations(conversation TEXT PRIMARY KEY, last_time INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO conversations SELECT conversation, MAX(time) FROM messages GROUP BY conversation;
        CREATE INDEX conversations_by_time ON conversations(last_time);
        """,

        // 5: no index on time alone. Only retention by age used it, and it cost every
        // insert a fourth B-tree; retention now walks the conversations table.
        """
        DROP INDEX IF EXISTS messages_by_time;
        """,
    ];

    public static int Latest => Steps.Count;

    /// <summary>The version a database is at (0 for an empty one).</summary>
    public static int CurrentVersion(SqliteConnection connection)
    {
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)";
        create.ExecuteNonQuery();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT MAX(version) FROM schema_version";
        return read.ExecuteScalar() is long v ? (int)v : 0;
    }

    /// <summary>Runs the steps after the database's version, up to <paramref name="upTo"/> (default: all).</summary>
    public static int Apply(SqliteConnection connection, int? upTo = null)
    {
        int version = CurrentVersion(connection);
        int target = upTo ?? Latest;
        for (int step = version + 1; step <= target; step++)
        {
            using var tx = connection.BeginTransaction();
            using (var run = connection.CreateCommand())
            {
                run.Transaction = tx;
                run.CommandText = Steps[step - 1];
                run.ExecuteNonQuery();
            }

            using (var mark = connection.CreateCommand())
            {
                mark.Transaction = tx;
                mark.CommandText = "INSERT INTO schema_version(version) VALUES ($v)";
                mark.Parameters.AddWithValue("$v", step);
                mark.ExecuteNonQuery();
            }

            tx.Commit();
        }

        return Math.Max(version, target);
    }
}
