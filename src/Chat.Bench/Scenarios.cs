using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Chat.Bench;

/// <summary>The three `chat bench` scenarios. Each stops by itself and returns its figures.</summary>
public static class Scenarios
{
    /// <summary>N idle registered clients: how many hold, how fast they register, what they cost the server.</summary>
    public static async Task<BenchResult> ConnectAsync(BenchOptions options, int clients, TimeSpan hold, int? serverPid, TextWriter log, CancellationToken cancel)
    {
        var cpu = BenchResult.GeneratorCpu();
        long? before = serverPid is int pid ? BenchResult.ResidentKiB(pid) : null;
        var timings = new LatencyRecorder();
        var clock = Stopwatch.StartNew();
        log.WriteLine($"connecting {clients} clients at {options.ConnectRate}/s from {options.SourceAddresses} source addresses...");
        var (all, failed) = await Ramp.ConnectAsync(options, clients, options.NickPrefix + "c", 512, timings, cancel).ConfigureAwait(false);
        var rampTime = clock.Elapsed;

        // Idle clients still answer PINGs while held.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var readers = all.Where(c => c is not null).Select(c => c!.RunAsync(_ => { }, stop.Token)).ToArray();
        log.WriteLine($"holding for {hold.TotalSeconds:0} s...");
        await Task.Delay(hold, cancel).ConfigureAwait(false);
        long? after = serverPid is int pid2 ? BenchResult.ResidentKiB(pid2) : null;
        int held = all.Count(c => c is not null);
        stop.Cancel();
        foreach (var c in all)
        {
            c?.Dispose();
        }

        await Task.WhenAll(readers).ConfigureAwait(false);
        var result = new BenchResult("connect")
            .Add("clients", clients)
            .Add("held", held)
            .Add("failed", failed)
            .Add("ramp_seconds", rampTime.TotalSeconds)
            .Add("register_p50_ms", timings.Percentile(0.50).TotalMilliseconds)
            .Add("register_p99_ms", timings.Percentile(0.99).TotalMilliseconds)
            .Add("register_max_ms", timings.Max.TotalMilliseconds);
        if (before is long b && after is long a && held > 0)
        {
            result.Add("server_rss_before_kib", b).Add("server_rss_after_kib", a).Add("kib_per_client", (double)(a - b) / held);
        }

        return result.Add("generator_cpu_seconds", (BenchResult.GeneratorCpu() - cpu).TotalSeconds);
    }

    /// <summary>
    /// M members in one room, S of them sending: deliveries per second, loss and
    /// end-to-end latency. With a rate, senders pace themselves; with an in-flight
    /// limit, a sender waits while that many of its messages have not yet reached
    /// every other member; with neither, it is an open flood.
    /// </summary>
    public static async Task<BenchResult> FanoutAsync(BenchOptions options, int members, int senders, double? rate, int? inFlight, TimeSpan duration, TextWriter log, CancellationToken cancel, int? serverPid = null)
    {
        if (members < 2)
        {
            throw new ArgumentException("--members must be at least 2: one sender and one listener.");
        }

        if (senders < 1 || senders >= members)
        {
            // Members 1..S send; member 0 always only listens.
            throw new ArgumentException("--senders must be at least 1 and fewer than --members.");
        }

        string room = "#bench" + Random.Shared.Next(100000);
        log.WriteLine($"connecting {members} members...");
        var (all, failed) = await Ramp.ConnectAsync(options, members, options.NickPrefix + "f", 256 * 1024, null, cancel).ConfigureAwait(false);
        if (failed > 0)
        {
            foreach (var c in all)
            {
                c?.Dispose();
            }

            throw new InvalidOperationException($"{failed} of {members} members could not connect.");
        }

        var clients = all.Select(c => c!).ToArray();
        byte[] join = Encoding.ASCII.GetBytes($"JOIN {room}\r\n");
        await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancel }, async (c, ct) =>
        {
            await c.SendAsync(join).ConfigureAwait(false);
            await c.ReadUntilAsync(" 366 ", ct).ConfigureAwait(false);
        }).ConfigureAwait(false);

        // received[m, s]: how many of sender s's messages member m has had. A
        // message is in flight until every other member has it, so a sender never
        // runs further ahead of the slowest reader than its in-flight limit.
        // Each member's reader is the only writer of its row, so a plain volatile
        // write does (no locked instruction per delivery); totals are summed when read.
        var received = new long[members, senders + 1];
        long Delivered()
        {
            long sum = 0;
            for (int m = 0; m < members; m++)
            {
                for (int s = 1; s <= senders; s++)
                {
                    sum += Volatile.Read(ref received[m, s]);
                }
            }

            return sum;
        }

        // A message carries the microseconds from this origin to its sending: eight
        // digits to read per delivery rather than a whole timestamp's fourteen.
        var latency = new LatencyRecorder();
        long origin = Stopwatch.GetTimestamp();
        long ticksPerMicro = Math.Max(1, Stopwatch.Frequency / 1_000_000);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var readers = new Task[members];
        for (int m = 0; m < members; m++)
        {
            int me = m;
            readers[m] = clients[m].RunAsync(line =>
            {
                if (!TryReadBenchMessage(line, out int from, out long stamp) || from > senders)
                {
                    return;
                }

                latency.Record(origin + (stamp * ticksPerMicro), clients[me].ReceivedAt);
                ref long count = ref received[me, from];
                Volatile.Write(ref count, count + 1);
            }, stop.Token);
        }

        long Confirmed(int sender)
        {
            long least = long.MaxValue;
            for (int m = 0; m < members; m++)
            {
                if (m != sender)
                {
                    least = Math.Min(least, Volatile.Read(ref received[m, sender]));
                }
            }

            return least;
        }

        // Let the JOIN announcements drain before measuring.
        await Task.Delay(TimeSpan.FromSeconds(1), cancel).ConfigureAwait(false);
        long before = Delivered();
        var cpu = BenchResult.GeneratorCpu();
        log.WriteLine($"{senders} senders for {duration.TotalSeconds:0} s into {room} ({members} members)...");
        var sent = new long[senders + 1];
        var clock = Stopwatch.StartNew();
        var deadline = clock.Elapsed + duration;
        // A server that stops reading must not hold the benchmark: sending gives up
        // a few seconds after the deadline, and what was not sent is not counted.
        using var sendLimit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        sendLimit.CancelAfter(duration + TimeSpan.FromSeconds(5));
        int stalled = 0;
        var senderTasks = Enumerable.Range(1, senders).Select(s => Task.Run(async () =>
        {
            var buffer = new ArrayBufferWriterLite(64 * 1024);
            double perSender = rate is double r ? r / senders : 0;
            while (clock.Elapsed < deadline && !cancel.IsCancellationRequested)
            {
                int allowed = 64;
                if (inFlight is int limit)
                {
                    long open = sent[s] - Confirmed(s);
                    allowed = (int)Math.Min(allowed, limit - open);
                    if (allowed <= 0)
                    {
                        await Task.Delay(1, cancel).ConfigureAwait(false);
                        continue;
                    }
                }

                if (perSender > 0)
                {
                    // Paced: send what is due by now, at most one batch at a time.
                    long due = (long)(clock.Elapsed.TotalSeconds * perSender);
                    allowed = (int)Math.Min(allowed, due - sent[s]);
                    if (allowed <= 0)
                    {
                        await Task.Delay(1, cancel).ConfigureAwait(false);
                        continue;
                    }
                }

                buffer.Clear();
                for (int k = 0; k < allowed; k++)
                {
                    buffer.WriteAscii($"PRIVMSG {room} :bench {s} {(Stopwatch.GetTimestamp() - origin) / ticksPerMicro}\r\n");
                }

                int written = await clients[s].SendUntilAsync(buffer.Written, sendLimit.Token).ConfigureAwait(false);
                if (written < buffer.Written.Length)
                {
                    // Cut off: the whole lines that went out count as sent (the server
                    // delivers them); a line cut in the middle may count once either way.
                    sent[s] += buffer.Written.Span[..written].Count((byte)'\n');
                    cancel.ThrowIfCancellationRequested();
                    Interlocked.Increment(ref stalled);
                    return;
                }

                sent[s] += allowed;
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(senderTasks).ConfigureAwait(false);
        var sendTime = clock.Elapsed;
        long? serverRss = serverPid is int pid ? BenchResult.ResidentKiB(pid) : null;
        long deliveredInTime = Delivered() - before;
        long totalSent = sent.Sum();
        long expected = totalSent * (members - 1);

        // Drain: wait until everything arrived or nothing moved for 3 seconds.
        long last = -1;
        var quiet = Stopwatch.StartNew();
        while (Delivered() - before < expected && quiet.Elapsed < TimeSpan.FromSeconds(3))
        {
            long now = Delivered() - before;
            if (now != last)
            {
                last = now;
                quiet.Restart();
            }

            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        var totalTime = clock.Elapsed;
        long finalDelivered = Delivered() - before;
        var cpuUsed = BenchResult.GeneratorCpu() - cpu;
        stop.Cancel();
        foreach (var c in clients)
        {
            c.Dispose();
        }

        await Task.WhenAll(readers).ConfigureAwait(false);
        return new BenchResult("fanout")
            .Add("members", members)
            .Add("senders", senders)
            .Add("rate", rate)
            .Add("in_flight", inFlight)
            .Add("seconds", sendTime.TotalSeconds)
            .Add("sent", totalSent)
            .Add("expected_deliveries", expected)
            .Add("delivered", finalDelivered)
            .Add("lost", expected - finalDelivered)
            .Add("deliveries_per_second", finalDelivered / totalTime.TotalSeconds)
            .Add("deliveries_per_second_while_sending", deliveredInTime / sendTime.TotalSeconds)
            .Add("latency_p50_ms", latency.Percentile(0.50).TotalMilliseconds)
            .Add("latency_p99_ms", latency.Percentile(0.99).TotalMilliseconds)
            .Add("latency_max_ms", latency.Max.TotalMilliseconds)
            .Add("server_rss_kib_at_end_of_sending", serverRss)
            .Add("senders_stalled", stalled)
            .Add("generator_cpu_seconds", cpuUsed.TotalSeconds);
    }

    /// <summary>P pairs playing private-message ping-pong: round trips per second and latency.</summary>
    public static async Task<BenchResult> PairsAsync(BenchOptions options, int pairs, TimeSpan duration, TextWriter log, CancellationToken cancel)
    {
        log.WriteLine($"connecting {pairs * 2} clients...");
        var (all, failed) = await Ramp.ConnectAsync(options, pairs * 2, options.NickPrefix + "p", 16 * 1024, null, cancel).ConfigureAwait(false);
        if (failed > 0)
        {
            foreach (var c in all)
            {
                c?.Dispose();
            }

            throw new InvalidOperationException($"{failed} of {pairs * 2} clients could not connect.");
        }

        var clients = all.Select(c => c!).ToArray();
        var latency = new LatencyRecorder();
        long roundTrips = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var cpu = BenchResult.GeneratorCpu();
        var clock = Stopwatch.StartNew();
        var readers = new List<Task>();
        for (int p = 0; p < pairs; p++)
        {
            var a = clients[2 * p];
            var b = clients[2 * p + 1];
            byte[] toB = Encoding.ASCII.GetBytes($"PRIVMSG {b.Nick} :");
            byte[] toA = Encoding.ASCII.GetBytes($"PRIVMSG {a.Nick} :");

            // B sends back what it gets; A counts the round trip and serves again.
            readers.Add(b.RunAsync(line =>
            {
                int colon = TextStart(line);
                if (colon >= 0)
                {
                    _ = b.SendAsync(Concat(toA, line[colon..]));
                }
            }, stop.Token));
            readers.Add(a.RunAsync(line =>
            {
                int colon = TextStart(line);
                if (colon < 0 || !long.TryParse(line[colon..], NumberStyles.None, CultureInfo.InvariantCulture, out long stamp))
                {
                    return;
                }

                latency.Record(stamp, a.ReceivedAt);
                Interlocked.Increment(ref roundTrips);
                if (clock.Elapsed < duration)
                {
                    _ = a.SendAsync(Concat(toB, Encoding.ASCII.GetBytes(Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture))));
                }
            }, stop.Token));
            _ = a.SendAsync(Concat(toB, Encoding.ASCII.GetBytes(Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture))));
        }

        await Task.Delay(duration, cancel).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        long trips = Interlocked.Read(ref roundTrips);
        await Task.Delay(500, cancel).ConfigureAwait(false);
        var cpuUsed = BenchResult.GeneratorCpu() - cpu;
        stop.Cancel();
        foreach (var c in clients)
        {
            c.Dispose();
        }

        await Task.WhenAll(readers).ConfigureAwait(false);
        return new BenchResult("pairs")
            .Add("pairs", pairs)
            .Add("seconds", elapsed.TotalSeconds)
            .Add("round_trips", trips)
            .Add("round_trips_per_second", trips / elapsed.TotalSeconds)
            .Add("latency_p50_ms", latency.Percentile(0.50).TotalMilliseconds)
            .Add("latency_p99_ms", latency.Percentile(0.99).TotalMilliseconds)
            .Add("generator_cpu_seconds", cpuUsed.TotalSeconds);
    }

    /// <summary>Reads "... PRIVMSG #room :bench SENDER STAMP".</summary>
    internal static bool TryReadBenchMessage(ReadOnlySpan<byte> line, out int sender, out long stamp)
    {
        sender = 0;
        stamp = 0;
        int at = line.IndexOf(" :bench "u8);
        if (at < 0)
        {
            return false;
        }

        var rest = line[(at + 8)..];
        int space = rest.IndexOf((byte)' ');
        if (space <= 0 || space > 9 || !TryParseDigits(rest[..space], out long from) || !TryParseDigits(rest[(space + 1)..], out stamp))
        {
            return false;
        }

        sender = (int)from;
        return true;
    }

    /// <summary>
    /// Plain ASCII digits (at most 18, so no overflow) as a number: the generator
    /// reads one of these per delivery, and long.TryParse's culture and style
    /// handling was a tenth of its CPU.
    /// </summary>
    private static bool TryParseDigits(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 18)
        {
            return false;
        }

        foreach (byte b in digits)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    /// <summary>Where the text of a PRIVMSG starts (after "PRIVMSG target " and an optional ':'), or -1.</summary>
    private static int TextStart(ReadOnlySpan<byte> line)
    {
        int privmsg = line.IndexOf(" PRIVMSG "u8);
        if (privmsg < 0)
        {
            return -1;
        }

        int targetStart = privmsg + 9;
        int space = line[targetStart..].IndexOf((byte)' ');
        if (space < 0)
        {
            return -1;
        }

        int text = targetStart + space + 1;
        return text < line.Length && line[text] == (byte)':' ? text + 1 : text;
    }

    private static byte[] Concat(byte[] head, ReadOnlySpan<byte> text)
    {
        var bytes = new byte[head.Length + text.Length + 2];
        head.CopyTo(bytes, 0);
        text.CopyTo(bytes.AsSpan(head.Length));
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        return bytes;
    }
}

/// <summary>A reusable byte buffer for building a batch of lines.</summary>
internal sealed class ArrayBufferWriterLite
{
    private byte[] _buffer;
    private int _used;

    public ArrayBufferWriterLite(int capacity)
    {
        _buffer = new byte[capacity];
    }

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _used);

    public void Clear() => _used = 0;

    public void WriteAscii(string text)
    {
        if (_used + text.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _used + text.Length));
        }

        _used += Encoding.ASCII.GetBytes(text, _buffer.AsSpan(_used));
    }
}
