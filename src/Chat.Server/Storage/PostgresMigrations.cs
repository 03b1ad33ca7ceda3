using Npgsql;

namespace Chat.Server.Storage;

/// <summary>
/// The PostgreSQL schema as an ordered list of steps, in the same way as the
/// SQLite <see cref="Migrations"/>: <c>schema_version</c> records the steps a
/// database has, opening it runs the ones after, each in its own transaction.
/// Several nodes may start at once against one database: the steps run under a
/// session advisory lock, so one node migrates and the others wait, then find
/// nothing left to do. The cluster's tables are not here (they keep their own
/// <c>cluster_schema_version</c>).
/// </summary>
/// <remarks>
/// Times are milliseconds since the Unix epoch in a BIGINT, as in SQLite, so both
/// stores order and compare messages exactly alike; <c>id</c> breaks ties in
/// commit order.
/// </remarks>
internal static class PostgresMigrations
{
    /// <summary>The advisory lock key held while migrating ("chat" in ASCII, then 1 for the store's schema).</summary>
    public const long LockKey = 0x6368_6174_0000_0001;

    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: messages by conversation, each conversation's latest time (for TARGETS), and accounts.
        """
        CREATE TABLE messages(
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            msgid TEXT NOT NULL UNIQUE,
            time BIGINT NOT NULL,
            conversation TEXT NOT NULL,
            command TEXT NOT NULL,
            sender TEXT NOT NULL,
            sender_nick TEXT NOT NULL,
            account TEXT,
            target TEXT NOT NULL,
            text TEXT NOT NULL,
            tags TEXT);
        CREATE INDEX messages_by_conversation ON messages(conversation, time, id);
        CREATE INDEX messages_by_time ON messages(time);
        CREATE TABLE conversations(conversation TEXT PRIMARY KEY, last_time BIGINT NOT NULL);
        CREATE INDEX conversations_by_time ON conversations(last_time);
        CREATE TABLE accounts(
            folded TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT,
            created BIGINT NOT NULL,
            pbkdf2_salt BYTEA NOT NULL,
            pbkdf2_iterations INTEGER NOT NULL,
            pbkdf2_hash BYTEA NOT NULL,
            scram_salt BYTEA NOT NULL,
            scram_iterations INTEGER NOT NULL,
            scram_stored_key BYTEA NOT NULL,
            scram_server_key BYTEA NOT NULL);
        """,
    ];

    public static int Latest => Steps.Count;

    /// <summary>The version a database is at (0 for an empty one).</summary>
    public static int CurrentVersion(NpgsqlConnection connection)
    {
        using var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version", connection);
        try
        {
            return Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    /// <summary>
    /// Takes the migration lock, runs the steps after the database's version up to
    /// <paramref name="upTo"/> (default: all), each in a transaction, and lets the lock go.
    /// </summary>
    public static int Apply(NpgsqlConnection connection, int? upTo = null)
    {
        Execute(connection, $"SELECT pg_advisory_lock({LockKey})");
        try
        {
            Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY)");
            int version = CurrentVersion(connection);
            int target = upTo ?? Latest;
            for (int step = version + 1; step <= target; step++)
            {
                using var tx = connection.BeginTransaction();
                using (var run = new NpgsqlCommand(Steps[step - 1], connection, tx))
                {
                    run.ExecuteNonQuery();
                }

                using (var mark = new NpgsqlCommand("INSERT INTO schema_version(version) VALUES (@v)", connection, tx))
                {
                    mark.Parameters.AddWithValue("v", step);
                    mark.ExecuteNonQuery();
                }

                tx.Commit();
            }

            return Math.Max(version, target);
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                Execute(connection, $"SELECT pg_advisory_unlock({LockKey})");
            }
        }
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, connection);
        cmd.ExecuteNonQuery();
    }
}
