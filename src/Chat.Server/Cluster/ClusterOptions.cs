namespace Chat.Server.Cluster;

/// <summary>Where several `chat serve` nodes meet: one PostgreSQL database.</summary>
public sealed record ClusterOptions
{
    /// <summary>
    /// An Npgsql connection string ("Host=...;Database=chat;...") as given to
    /// --database (a postgres:// URL is converted before it gets here). Null: one
    /// node alone, with SQLite in the data directory.
    /// </summary>
    public string? Database { get; init; }

    /// <summary>This node's name in logs and in the shared presence tables; null: the server name.</summary>
    public string? NodeName { get; init; }

    /// <summary>How often a node tells the others it is alive.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A node silent for this long is taken for dead: its users quit and their nicks are freed.</summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
