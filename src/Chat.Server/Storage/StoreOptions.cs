namespace Chat.Server.Storage;

/// <summary>How history is kept and replayed.</summary>
public sealed record StoreOptions
{
    /// <summary>
    /// Folder of the database (chat.db). Null keeps everything in memory for the
    /// life of the process (tests, throwaway servers); `chat serve` always gives one.
    /// Unused by the store when <see cref="Cluster.ClusterOptions.Database"/> puts
    /// history in PostgreSQL (see <see cref="ChatStores"/>).
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// SQLite's synchronous setting. NORMAL (default) in WAL mode: a commit is in
    /// the operating system once the writer returns, so it survives the server
    /// process being killed, but not a power loss or kernel crash; FULL also
    /// fsyncs the WAL on every group commit and survives those, at some cost.
    /// SQLite only: PostgreSQL commits with synchronous_commit=on and fsyncs as
    /// its server is configured to.
    /// </summary>
    public bool FullSync { get; init; }

    /// <summary>
    /// How long the writer waits for more writes before committing a group. Zero
    /// (default) commits whatever queued while the previous commit ran, which
    /// already batches under load without adding latency.
    /// </summary>
    public TimeSpan CommitWindow { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// SQLite: a message is delivered once the writer has appended it to the
    /// journal (chat.journal; one write per group, as durable against a killed
    /// process as a WAL commit), and moved into the database with others later,
    /// in one transaction (inserted into it as they come, committed at once):
    /// when this many are waiting ...
    /// </summary>
    public int ApplyBatch { get; init; } = 4096;

    /// <summary>... or when the oldest has waited this long. Reads of history wait for them first.</summary>
    public TimeSpan ApplyDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// SQLite: how often a thread of its own copies the write-ahead log into the
    /// database file (a passive checkpoint), so that the writer, which delivers
    /// messages, never stops for it.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most writes in one transaction.</summary>
    public int MaxBatch { get; init; } = 2048;

    /// <summary>Writes waiting for the writer before senders are made to wait (backpressure).</summary>
    public int QueueCapacity { get; init; } = 65536;

    /// <summary>
    /// PostgreSQL only: how long messages wait for a database that is away or
    /// stalled before they are delivered anyway. From then until a group commits
    /// again, each message is delivered as soon as it is queued and kept in memory
    /// (at most <see cref="QueueCapacity"/> waiting, then senders wait) until the
    /// database stores it, in order; a server stopped meanwhile loses those (and
    /// logs how many). So a database restart pauses chat for this long instead of
    /// for its whole length. Null: messages wait for their commit however long it
    /// takes, so nothing delivered is ever missing from the database.
    /// </summary>
    public TimeSpan? OutageGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Messages older than this are deleted; null keeps them forever.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Only the newest this many messages of each room or private talk are kept; null keeps all.</summary>
    public int? MaxPerConversation { get; init; }

    /// <summary>How often retention runs.</summary>
    public TimeSpan PruneInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Messages replayed to a client without chathistory when it joins a room (0: none).</summary>
    public int ReplayOnJoin { get; init; } = 50;

    /// <summary>Most messages one CHATHISTORY answers (the ISUPPORT CHATHISTORY value).</summary>
    public int MaxHistoryRequest { get; init; } = 500;
}
