using System.Diagnostics;

namespace Chat.Bench;

/// <summary>Opens many bench connections at a bounded rate, a few at a time.</summary>
internal static class Ramp
{
    /// <summary>
    /// Connects <paramref name="count"/> clients at <see cref="BenchOptions.ConnectRate"/> per second;
    /// failures are counted, not thrown. <paramref name="timings"/> gets each connect+register time.
    /// </summary>
    public static async Task<(BenchClient?[] Clients, int Failed)> ConnectAsync(
        BenchOptions options, int count, string prefix, int bufferSize, LatencyRecorder? timings, CancellationToken cancel)
    {
        var clients = new BenchClient?[count];
        var tasks = new List<Task>(count);
        int failed = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            // Start connection i at i / rate seconds.
            var due = TimeSpan.FromSeconds((double)i / options.ConnectRate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancel).ConfigureAwait(false);
            }

            int index = i;
            tasks.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                limit.CancelAfter(options.RegisterTimeout);
                try
                {
                    clients[index] = await BenchClient.ConnectAsync(options, index, $"{prefix}{index}", bufferSize, limit.Token).ConfigureAwait(false);
                    timings?.Record(Stopwatch.GetElapsedTime(started));
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException or InvalidOperationException or IOException)
                {
                    Interlocked.Increment(ref failed);
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);

        // A connection refused in the burst (a full accept queue drops the SYN) gets
        // two more tries, one at a time; only what still fails counts as failed.
        for (int i = 0; i < count && failed > 0; i++)
        {
            for (int attempt = 0; clients[i] is null && attempt < 2; attempt++)
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                limit.CancelAfter(options.RegisterTimeout);
                try
                {
                    // Another nick: a half-registered first try may still hold the first one.
                    clients[i] = await BenchClient.ConnectAsync(options, i, $"{prefix}{i}r{attempt}", bufferSize, limit.Token).ConfigureAwait(false);
                    failed--;
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException or InvalidOperationException or IOException)
                {
                }
            }
        }

        return (clients, failed);
    }
}
