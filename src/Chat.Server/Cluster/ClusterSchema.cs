using Npgsql;

namespace Chat.Server.Cluster;

/// <summary>
/// The cluster's own tables, created by ordered steps recorded in
/// cluster_schema_version (the history and accounts store keeps its own
/// schema_version; neither touches the other's tables). Several nodes starting
/// at once take a transaction-level advisory lock, so exactly one runs each step.
/// </summary>
/// <remarks>
/// cluster_nodes: one row per running node and its heartbeat (database time).
/// cluster_users: who is online where; nick_folded is UNIQUE, so the database
/// decides every nick race. cluster_members: room memberships with their status.
/// cluster_rooms: topic and modes of rooms with members. cluster_events: payloads
/// too large for NOTIFY, pruned after a minute. Deleting a node deletes its
/// users, which deletes their memberships.
/// </remarks>
internal static class ClusterSchema
{
    /// <summary>An arbitrary constant, the key of the advisory lock that guards migrations.</summary>
    private const long MigrationLock = 0x63_6c_75_73_74_65_72; // "cluster"

    /// <summary>The steps, in order; step n brings the schema to version n + 1. Never edit a shipped step, add one.</summary>
    private static readonly string[] Steps =
    [
        """
        CREATE TABLE cluster_nodes (
            id text PRIMARY KEY,
            name text NOT NULL,
            started_at timestamptz NOT NULL DEFAULT now(),
            heartbeat timestamptz NOT NULL DEFAULT now());
        CREATE TABLE cluster_users (
            id text PRIMARY KEY,
            node_id text NOT NULL REFERENCES cluster_nodes(id) ON DELETE CASCADE,
            nick_folded text NOT NULL UNIQUE,
            nick text NOT NULL,
            ident text NOT NULL DEFAULT '*',
            host text NOT NULL DEFAULT 'unknown',
            realname text NOT NULL DEFAULT '',
            account text,
            away text,
            registered boolean NOT NULL DEFAULT false,
            connected_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX cluster_users_node ON cluster_users(node_id);
        CREATE TABLE cluster_rooms (
            name_folded text PRIMARY KEY,
            name text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            topic text,
            topic_by text,
            topic_at timestamptz,
            modes text);
        CREATE TABLE cluster_members (
            room_folded text NOT NULL,
            user_id text NOT NULL REFERENCES cluster_users(id) ON DELETE CASCADE,
            status integer NOT NULL DEFAULT 0,
            PRIMARY KEY (room_folded, user_id));
        CREATE INDEX cluster_members_user ON cluster_members(user_id);
        CREATE TABLE cluster_events (
            id bigserial PRIMARY KEY,
            payload text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now());
        """,
    ];

    /// <summary>The version the steps above reach.</summary>
    public static int LatestVersion => Steps.Length;

    /// <summary>Brings the schema up to date; returns the version found before.</summary>
    public static async Task<int> MigrateAsync(NpgsqlConnection connection, CancellationToken cancel)
    {
        await using var tx = await connection.BeginTransactionAsync(cancel).ConfigureAwait(false);
        await Execute(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLock})", cancel).ConfigureAwait(false);
        await Execute(connection, tx, "CREATE TABLE IF NOT EXISTS cluster_schema_version (version integer NOT NULL)", cancel).ConfigureAwait(false);
        int found;
        await using (var read = new NpgsqlCommand("SELECT max(version) FROM cluster_schema_version", connection, tx))
        {
            found = await read.ExecuteScalarAsync(cancel).ConfigureAwait(false) is int v ? v : 0;
        }

        if (found > LatestVersion)
        {
            throw new InvalidOperationException($"The cluster schema is at version {found}, newer than this node knows ({LatestVersion}); upgrade this node.");
        }

        for (int version = found; version < LatestVersion; version++)
        {
            await Execute(connection, tx, Steps[version], cancel).ConfigureAwait(false);
            await Execute(connection, tx, $"INSERT INTO cluster_schema_version (version) VALUES ({version + 1})", cancel).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancel).ConfigureAwait(false);
        return found;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken cancel)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(cancel).ConfigureAwait(false);
    }
}
