namespace Chat.Server.Storage;

/// <summary>Which store a server uses: PostgreSQL when <see cref="Cluster.ClusterOptions.Database"/> is set, else SQLite.</summary>
public static class ChatStores
{
    /// <summary>
    /// Opens the store <paramref name="options"/> describe. Throws
    /// <see cref="StoreUnavailableException"/> when PostgreSQL cannot be reached,
    /// <see cref="FormatException"/> when its connection string is malformed.
    /// </summary>
    public static IChatStore Open(ServerOptions options, ServerLog? log = null) =>
        options.Cluster.Database is { } database
            ? PostgresChatStore.Open(options.Store, database, log)
            : SqliteChatStore.Open(options.Store);

    /// <summary>
    /// Where history and accounts go, for the start-up log: "PostgreSQL
    /// user@host:port/database" (never the password), the SQLite file, or "memory".
    /// </summary>
    public static string Describe(ServerOptions options)
    {
        if (options.Cluster.Database is { } database)
        {
            return "PostgreSQL " + PostgresConnectionString.Describe(PostgresConnectionString.Normalize(database));
        }

        return options.Store.DataDirectory is { } folder ? Path.Combine(folder, "chat.db") : "memory";
    }
}
