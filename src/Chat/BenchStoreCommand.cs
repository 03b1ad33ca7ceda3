using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Chat.Server.Storage;

namespace Chat;

/// <summary>
/// `chat bench-store` (hidden): write throughput of the store with many
/// concurrent senders, each waiting for its commit as the server does, then
/// history query latencies on the room that now holds that many messages.
/// SQLite by default; --database measures PostgreSQL the same way.
/// Figures and the command are in docs/STORAGE.md.
/// </summary>
internal static class BenchStoreCommand
{
    public static Command Create()
    {
        var messages = new Option<int>("--messages") { DefaultValueFactory = _ => 1_000_000, Description = "Messages to write to one room." };
        var senders = new Option<int>("--senders") { DefaultValueFactory = _ => 100, Description = "Concurrent senders, each waiting for its own commits." };
        var dir = new Option<string?>("--dir") { Description = "Data folder (default: a new temporary folder, deleted after)." };
        var fullSync = new Option<bool>("--full-sync") { Description = "fsync every group commit." };
        var database = new Option<string?>("--database")
        {
            Description = "Benchmark PostgreSQL instead of SQLite: a connection string or postgresql:// URL of an empty, throwaway database (the run writes and prunes there).",
        };
        var command = new Command("bench-store", "Benchmark the history store (write throughput, query latency).") { Hidden = true };
        command.Options.Add(messages);
        command.Options.Add(senders);
        command.Options.Add(dir);
        command.Options.Add(fullSync);
        command.Options.Add(database);
        command.SetAction(async (parse, _) =>
        {
            if (parse.GetValue(database) is { } connection)
            {
                return await RunPostgresAsync(connection, parse.GetValue(messages), parse.GetValue(senders)).ConfigureAwait(false);
            }

            string folder = parse.GetValue(dir) ?? Path.Combine(Path.GetTempPath(), "chat-bench-" + Guid.NewGuid().ToString("N"));
            try
            {
                await RunAsync(folder, parse.GetValue(messages), parse.GetValue(senders), parse.GetValue(fullSync)).ConfigureAwait(false);
            }
            finally
            {
                if (parse.GetValue(dir) is null)
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    Directory.Delete(folder, recursive: true);
                }
            }

            return 0;
        });
        return command;
    }

    private static StoredMessage Message(long i, DateTimeOffset time) => new(
        "bench" + i.ToString("x", CultureInfo.InvariantCulture), time, "#bench", "PRIVMSG", "user!~user@127.0.0.1", "user", null, "#bench",
        "A message of ordinary length, about as long as people type in a chat room.", null);

    private static async Task<int> RunPostgresAsync(string database, int count, int senders)
    {
        PostgresChatStore store;
        try
        {
            store = PostgresChatStore.Open(new StoreOptions(), database);
        }
        catch (Exception ex) when (ex is StoreUnavailableException or FormatException)
        {
            Console.Error.WriteLine($"chat bench-store: {ex.Message}");
            return 1;
        }

        await using (store.ConfigureAwait(false))
        {
            Console.WriteLine($"store benchmark: {count:N0} messages, {senders} concurrent senders, PostgreSQL {store.Database}");
            await MeasureAsync(store, count, senders, () => DatabaseSize(database)).ConfigureAwait(false);
        }

        return 0;
    }

    private static long DatabaseSize(string database)
    {
        using var connection = new Npgsql.NpgsqlConnection(PostgresConnectionString.Normalize(database));
        connection.Open();
        using var size = new Npgsql.NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return (long)size.ExecuteScalar()!;
    }

    private static async Task RunAsync(string folder, int count, int senders, bool fullSync)
    {
        Console.WriteLine($"store benchmark: {count:N0} messages, {senders} concurrent senders, synchronous={(fullSync ? "FULL" : "NORMAL")}, {folder}");
        await using var store = SqliteChatStore.Open(new StoreOptions { DataDirectory = folder, FullSync = fullSync });
        await MeasureAsync(store, count, senders, () => Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length)).ConfigureAwait(false);
    }

    /// <summary>The measurements, the same for every store; <paramref name="size"/> gives the bytes on disk when known.</summary>
    private static async Task MeasureAsync(IChatStore store, int count, int senders, Func<long?> size)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        long next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) <= count)
            {
                await store.AppendAsync(Message(i, start.AddMilliseconds(i))).ConfigureAwait(false);
            }
        }))).ConfigureAwait(false);
        clock.Stop();
        Console.WriteLine($"write: {count:N0} messages in {clock.Elapsed.TotalSeconds:F1} s = {count / clock.Elapsed.TotalSeconds:N0} messages/s");

        // One sender alone: the latency of one commit.
        var single = new List<double>();
        for (int i = 1; i <= 500; i++)
        {
            var t = Stopwatch.StartNew();
            await store.AppendAsync(Message(count + i, start.AddMilliseconds(count + i))).ConfigureAwait(false);
            single.Add(t.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"one sender alone, append until committed: p50 {Percentile(single, 50):F3} ms, p99 {Percentile(single, 99):F3} ms");
        long total = await store.CountAsync().ConfigureAwait(false);
        Console.WriteLine(size() is { } bytes
            ? $"database: {total:N0} messages, {bytes / 1024.0 / 1024.0:F0} MB on disk"
            : $"database: {total:N0} messages");

        var middle = new MsgIdRef("bench" + (count / 2).ToString("x", CultureInfo.InvariantCulture));
        var middleTime = new TimeRef(start.AddMilliseconds(count / 2));
        var queries = new (string Name, Func<Task> Run)[]
        {
            ("LATEST * 50", () => store.LatestAsync("#bench", null, 50)),
            ("BEFORE msgid (middle) 50", () => store.BeforeAsync("#bench", middle, 50)),
            ("AFTER timestamp (middle) 50", () => store.AfterAsync("#bench", middleTime, 50)),
            ("AROUND msgid (middle) 50", () => store.AroundAsync("#bench", middle, 50)),
            ("BETWEEN msgid, timestamp 100", () => store.BetweenAsync("#bench", middle, new TimeRef(start.AddMilliseconds(count / 2 + 10_000)), 100)),
            ("LATEST * 500", () => store.LatestAsync("#bench", null, 500)),
            ("TARGETS last hour of data", () => store.TargetsAsync(start.AddMilliseconds(count - 3_600_000.0), start.AddMilliseconds(count + 1000), 50, _ => true)),
        };
        foreach (var (name, run) in queries)
        {
            await run().ConfigureAwait(false);
            var times = new List<double>();
            for (int i = 0; i < 200; i++)
            {
                var t = Stopwatch.StartNew();
                await run().ConfigureAwait(false);
                times.Add(t.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"query {name,-30} p50 {Percentile(times, 50),7:F3} ms   p99 {Percentile(times, 99),7:F3} ms");
        }

        var prune = Stopwatch.StartNew();
        int deleted = await store.PruneAsync(null, count / 2).ConfigureAwait(false);
        Console.WriteLine($"retention: kept the newest {count / 2:N0}, deleted {deleted:N0} in {prune.Elapsed.TotalSeconds:F1} s");
    }

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
    }
}
