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
    /// every other member; with neither, it is an open flood. Every member and
    /// sender runs on one thread (<see cref="BenchLoop"/>).
    /// </summary>
    public static Task<BenchResult> FanoutAsync(BenchOptions options, int members, int senders, double? rate, int? inFlight, TimeSpan duration, TextWriter log, CancellationToken cancel, int? serverPid = null)
    {
        if (members < 2)
        {
            return Task.FromException<BenchResult>(new ArgumentException("--members must be at least 2: one sender and one listener."));
        }

        if (senders < 1 || senders >= members)
        {
            // Members 1..S send; member 0 always only listens.
            return Task.FromException<BenchResult>(new ArgumentException("--senders must be at least 1 and fewer than --members."));
        }

        return OnOwnThread(() => Fanout(options, members, senders, rate, inFlight, duration, log, cancel, serverPid));
    }

    /// <summary>Runs a loop scenario on a thread of its own (it blocks in epoll_wait), as a task.</summary>
    private static Task<BenchResult> OnOwnThread(Func<BenchResult> scenario) =>
        Task.Factory.StartNew(scenario, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static BenchResult Fanout(BenchOptions options, int members, int senders, double? rate, int? inFlight, TimeSpan duration, TextWriter log, CancellationToken cancel, int? serverPid)
    {
        string room = "#bench" + Random.Shared.Next(100000);
        using var loop = new BenchLoop(options);
        log.WriteLine($"connecting {members} members ({loop.PollerName})...");
        int failed = loop.Open(members, options.NickPrefix + "f", room, cancel);
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {members} members could not connect (first: {loop.FirstFailure}).");
        }

        var clients = loop.Clients;

        // received[m * (S + 1) + s]: how many of sender s's messages member m has had.
        // Members get a sender's messages in order, so the count before a delivery is
        // that message's number; reached[s][number % ring] counts the members that
        // have it, and once all M - 1 others do, the message is confirmed. A sender
        // never has more than its in-flight limit unconfirmed, so the ring (one
        // longer than the limit) never wraps onto a message still in flight.
        int stride = senders + 1;
        var received = new int[members * stride];
        int[][]? reached = inFlight is int ring ? [.. Enumerable.Range(0, stride).Select(_ => new int[ring + 1])] : null;
        var confirmed = new long[stride];
        long delivered = 0;

        // A message carries the microseconds from this origin to its sending: eight
        // digits to read per delivery rather than a whole timestamp's fourteen.
        var latency = new LatencyRecorder();
        long origin = Stopwatch.GetTimestamp();
        long ticksPerMicro = Math.Max(1, Stopwatch.Frequency / 1_000_000);
        loop.OnLine = (client, line) =>
        {
            if (!TryReadBenchMessage(line, out int from, out long stamp) || from < 1 || from > senders)
            {
                return;
            }

            latency.Record(origin + (stamp * ticksPerMicro), client.ReceivedAt);
            delivered++;
            int number = received[(client.Index * stride) + from]++;
            if (reached is not null)
            {
                var counts = reached[from];
                if (++counts[number % counts.Length] == members - 1)
                {
                    // Confirm this and any later ones completed out of order.
                    while (counts[confirmed[from] % counts.Length] == members - 1)
                    {
                        counts[confirmed[from] % counts.Length] = 0;
                        confirmed[from]++;
                    }
                }
            }
        };

        // Let the JOIN announcements drain before measuring.
        loop.RunFor(TimeSpan.FromSeconds(1), cancel);
        long before = delivered;
        var cpu = BenchResult.GeneratorCpu();
        log.WriteLine($"{senders} senders for {duration.TotalSeconds:0} s into {room} ({members} members)...");
        var sent = new long[stride];
        var batch = new byte[64 * 128];
        byte[] head = Encoding.ASCII.GetBytes($"PRIVMSG {room} :bench ");
        double perSender = rate is double r ? r / senders : 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            cancel.ThrowIfCancellationRequested();
            bool more = false;
            for (int s = 1; s <= senders; s++)
            {
                var sender = clients[s];
                if (!sender.IsOpen || sender.PendingBytes > 0)
                {
                    // Cut off, or waiting for room to write.
                    continue;
                }

                long allowed = 64;
                if (inFlight is int limit)
                {
                    allowed = Math.Min(allowed, limit - (sent[s] - confirmed[s]));
                }

                if (perSender > 0)
                {
                    // Paced: send what is due by now, at most one batch at a time.
                    allowed = Math.Min(allowed, (long)(clock.Elapsed.TotalSeconds * perSender) - sent[s]);
                }

                if (allowed <= 0)
                {
                    continue;
                }

                long micros = (Stopwatch.GetTimestamp() - origin) / ticksPerMicro;
                int used = 0;
                for (int k = 0; k < allowed; k++)
                {
                    used += WriteBenchLine(batch.AsSpan(used), head, s, micros);
                }

                sent[s] += allowed;
                loop.Send(sender, batch.AsSpan(0, used));
                more |= allowed == 64 && inFlight is null && perSender == 0;
            }

            // An open flood goes straight back to its senders; otherwise wait for
            // deliveries (which free in-flight room) or the next millisecond's pace.
            loop.RunOnce(more ? 0 : 1);
        }

        var sendTime = clock.Elapsed;
        long? serverRss = serverPid is int pid ? BenchResult.ResidentKiB(pid) : null;
        long deliveredInTime = delivered - before;

        // Lines still waiting to be written (or never written, for a sender the server
        // cut off) do not count as sent.
        long Sent() => sent.Sum() - Enumerable.Range(1, senders).Sum(s => (long)clients[s].UnsentLines);

        // Drain: wait until everything arrived, or nothing moved for 3 seconds, or the drain limit.
        var drainLimit = options.DrainLimit ?? TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(120).Ticks, 6 * duration.Ticks));
        var draining = Stopwatch.StartNew();
        var hintAfter = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, drainLimit.Ticks / 2));
        bool cutOff = false, told = false;
        long last = -1;
        var quiet = Stopwatch.StartNew();
        while (delivered - before < Sent() * (members - 1) && quiet.Elapsed < TimeSpan.FromSeconds(3))
        {
            cancel.ThrowIfCancellationRequested();
            if (draining.Elapsed >= drainLimit)
            {
                cutOff = true;
                log.WriteLine($"stopped waiting after {drainLimit.TotalSeconds:0} s: what has not arrived counts as lost");
                break;
            }

            if (!told && draining.Elapsed >= hintAfter)
            {
                told = true;
                log.WriteLine($"still delivering {hintAfter.TotalSeconds:0.#} s after sending stopped ({delivered - before} of {Sent() * (members - 1)}): the server "
                    + $"delivers much slower than it was sent to (is its flood control on? for chat: `chat serve --no-flood-control`); waiting up to {drainLimit.TotalSeconds:0} s");
            }

            loop.RunOnce(50);
            if (delivered != last)
            {
                last = delivered;
                quiet.Restart();
            }
        }

        var totalTime = clock.Elapsed;
        long finalDelivered = delivered - before;
        long totalSent = Sent();
        long expected = totalSent * (members - 1);
        int stalled = Enumerable.Range(1, senders).Count(s => !clients[s].IsOpen || clients[s].PendingBytes > 0);
        var cpuUsed = BenchResult.GeneratorCpu() - cpu;
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
            .Add("drain_cut_off", cutOff)
            .Add("generator_cpu_seconds", cpuUsed.TotalSeconds);
    }

    /// <summary>Writes "HEAD{sender} {micros}\r\n" (HEAD is "PRIVMSG #room :bench "); returns its length.</summary>
    private static int WriteBenchLine(Span<byte> into, ReadOnlySpan<byte> head, int sender, long micros)
    {
        head.CopyTo(into);
        int at = head.Length;
        sender.TryFormat(into[at..], out int n, default, CultureInfo.InvariantCulture);
        at += n;
        into[at++] = (byte)' ';
        micros.TryFormat(into[at..], out n, default, CultureInfo.InvariantCulture);
        at += n;
        into[at++] = (byte)'\r';
        into[at++] = (byte)'\n';
        return at;
    }

    /// <summary>P pairs playing private-message ping-pong: round trips per second and latency, on one thread (<see cref="BenchLoop"/>).</summary>
    public static Task<BenchResult> PairsAsync(BenchOptions options, int pairs, TimeSpan duration, TextWriter log, CancellationToken cancel) =>
        pairs < 1
            ? Task.FromException<BenchResult>(new ArgumentException("--pairs must be at least 1."))
            : OnOwnThread(() => Pairs(options, pairs, duration, log, cancel));

    private static BenchResult Pairs(BenchOptions options, int pairs, TimeSpan duration, TextWriter log, CancellationToken cancel)
    {
        using var loop = new BenchLoop(options);
        log.WriteLine($"connecting {pairs * 2} clients ({loop.PollerName})...");
        int failed = loop.Open(pairs * 2, options.NickPrefix + "p", null, cancel);
        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {pairs * 2} clients could not connect (first: {loop.FirstFailure}).");
        }

        // Client 2p (A) serves to 2p + 1 (B), which sends the text back; A counts
        // the round trip and serves again. The text is microseconds since origin.
        var clients = loop.Clients;
        var heads = clients.Select((c, i) => Encoding.ASCII.GetBytes($"PRIVMSG {clients[i ^ 1].Nick} :")).ToArray();
        var latency = new LatencyRecorder();
        long origin = Stopwatch.GetTimestamp();
        long ticksPerMicro = Math.Max(1, Stopwatch.Frequency / 1_000_000);
        long roundTrips = 0;
        bool serving = true;
        var scratch = new byte[1024];

        void Serve(LoopClient a)
        {
            var head = heads[a.Index];
            head.CopyTo(scratch, 0);
            int at = head.Length;
            ((Stopwatch.GetTimestamp() - origin) / ticksPerMicro).TryFormat(scratch.AsSpan(at), out int n, default, CultureInfo.InvariantCulture);
            at += n;
            scratch[at++] = (byte)'\r';
            scratch[at++] = (byte)'\n';
            loop.Send(a, scratch.AsSpan(0, at));
        }

        loop.OnLine = (client, line) =>
        {
            int text = TextStart(line);
            if (text < 0)
            {
                return;
            }

            var payload = line[text..];
            if ((client.Index & 1) == 1)
            {
                var head = heads[client.Index];
                if (head.Length + payload.Length + 2 <= scratch.Length)
                {
                    head.CopyTo(scratch, 0);
                    payload.CopyTo(scratch.AsSpan(head.Length));
                    int end = head.Length + payload.Length;
                    scratch[end] = (byte)'\r';
                    scratch[end + 1] = (byte)'\n';
                    loop.Send(client, scratch.AsSpan(0, end + 2));
                }
            }
            else if (TryParseDigits(payload, out long stamp))
            {
                latency.Record(origin + (stamp * ticksPerMicro), client.ReceivedAt);
                roundTrips++;
                if (serving)
                {
                    Serve(client);
                }
            }
        };

        var cpu = BenchResult.GeneratorCpu();
        var clock = Stopwatch.StartNew();
        for (int p = 0; p < pairs; p++)
        {
            Serve(clients[2 * p]);
        }

        while (clock.Elapsed < duration)
        {
            cancel.ThrowIfCancellationRequested();
            loop.RunOnce((int)Math.Clamp((duration - clock.Elapsed).TotalMilliseconds, 0, 10));
        }

        var elapsed = clock.Elapsed;
        long trips = roundTrips;
        serving = false;
        var cpuUsed = BenchResult.GeneratorCpu() - cpu;
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
}
