using System.CommandLine;
using Chat.Bench;

namespace Chat;

/// <summary>`chat bench`: drives any IRC server from loopback and prints a summary and one JSON line per scenario.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Server address (loopback only).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = CommonOptions.Port("Server port.");
        var otherPorts = new Option<int[]>("--also-port")
        {
            Description = "Port of another node of the same network (repeatable): clients are spread round-robin over --port and these.",
            AllowMultipleArgumentsPerToken = false,
        };
        otherPorts.Validators.Add(result =>
        {
            if (!CommonOptions.AreIntegers(result))
            {
                return;
            }

            foreach (int p in result.GetValueOrDefault<int[]>() ?? [])
            {
                if (p is < 1 or > 65535)
                {
                    result.AddError($"--also-port must be between 1 and 65535, not {p}.");
                }
            }
        });
        var sources = new Option<int>("--sources") { Description = "Loopback source addresses to spread connections over (127.0.0.1, .2, ...).", DefaultValueFactory = _ => 4 };
        var connectRate = new Option<int>("--connect-rate") { Description = "New connections per second while ramping up.", DefaultValueFactory = _ => 1000 };

        var clients = new Option<int>("--clients", "-n") { Description = "Idle registered clients to open.", DefaultValueFactory = _ => 1000 };
        var hold = new Option<int>("--hold") { Description = "Seconds to hold the clients open.", DefaultValueFactory = _ => 5 };
        var serverPid = new Option<int?>("--server-pid") { Description = "Server process id: its memory is read before and after (KiB per connection)." };
        var connect = new Command("connect", "Open N registered idle clients at a bounded rate and hold them.")
        {
            clients, hold, serverPid,
        };

        var members = new Option<int>("--members", "-m") { Description = "Members in the room.", DefaultValueFactory = _ => 100 };
        var senders = new Option<int>("--senders", "-s") { Description = "How many members send.", DefaultValueFactory = _ => 10 };
        var rate = new Option<double?>("--rate") { Description = "Total messages per second (paced). Without it senders go as fast as --in-flight allows." };
        var inFlight = new Option<int>("--in-flight") { Description = "Messages a sender may have unconfirmed; 0 means no limit (an open flood).", DefaultValueFactory = _ => 256 };
        var seconds = new Option<int>("--seconds", "-t") { Description = "How long to send.", DefaultValueFactory = _ => 10 };
        var fanoutPid = new Option<int?>("--server-pid") { Description = "Server process id: its memory is read at the end of sending." };
        var fanout = new Command("fanout", "M members in one room, S senders: deliveries per second, loss and latency.")
        {
            members, senders, rate, inFlight, seconds, fanoutPid,
        };

        var pairCount = new Option<int>("--pairs") { Description = "Pairs of clients playing private-message ping-pong.", DefaultValueFactory = _ => 100 };
        var pairSeconds = new Option<int>("--seconds", "-t") { Description = "How long to play.", DefaultValueFactory = _ => 10 };
        var pairs = new Command("pairs", "Private-message ping-pong between pairs: round trips per second and latency.")
        {
            pairCount, pairSeconds,
        };

        var bench = new Command("bench", "Load-test an IRC server (ours or another) from loopback. Stops by itself.")
        {
            connect, fanout, pairs,
        };
        foreach (var option in new Option[] { host, port, otherPorts, sources, connectRate })
        {
            option.Recursive = true;
            bench.Options.Add(option);
        }

        BenchOptions Options(ParseResult parse) => new()
        {
            Host = parse.GetValue(host)!,
            Port = parse.GetValue(port),
            OtherPorts = parse.GetValue(otherPorts) ?? [],
            SourceAddresses = Math.Clamp(parse.GetValue(sources), 1, 250),
            ConnectRate = Math.Max(1, parse.GetValue(connectRate)),
        };

        connect.SetAction((parse, cancel) => RunAsync(() => Scenarios.ConnectAsync(
            Options(parse), parse.GetValue(clients), TimeSpan.FromSeconds(parse.GetValue(hold)), parse.GetValue(serverPid), Console.Error, cancel)));
        fanout.SetAction((parse, cancel) => RunAsync(() => Scenarios.FanoutAsync(
            Options(parse), parse.GetValue(members), parse.GetValue(senders), parse.GetValue(rate),
            parse.GetValue(inFlight) is > 0 and var f ? f : null, TimeSpan.FromSeconds(parse.GetValue(seconds)), Console.Error, cancel, parse.GetValue(fanoutPid))));
        pairs.SetAction((parse, cancel) => RunAsync(() => Scenarios.PairsAsync(
            Options(parse), parse.GetValue(pairCount), TimeSpan.FromSeconds(parse.GetValue(pairSeconds)), Console.Error, cancel)));
        return bench;
    }

    private static async Task<int> RunAsync(Func<Task<BenchResult>> scenario)
    {
        // The generator's socket continuations run on the socket engine's thread
        // instead of hopping to the thread pool: its handlers only count, parse and
        // queue a send, and on its one core each hop was a context switch (about a
        // third of its CPU per round trip). Read once, when the engine starts, which
        // is after this: the bench has not touched a socket yet.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        try
        {
            var result = await scenario().ConfigureAwait(false);
            Console.WriteLine(result.ToSummary());
            Console.WriteLine(result.ToJson());
            return 0;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C, or a signal to stop: no result, and no stack trace either.
            Console.Error.WriteLine("chat bench: interrupted before the scenario finished; no result.");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine($"chat bench: {ex.Message}");
            return 1;
        }
    }
}
