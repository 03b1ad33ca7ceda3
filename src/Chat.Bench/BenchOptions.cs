using System.Net;

namespace Chat.Bench;

/// <summary>Where and how hard `chat bench` drives a server.</summary>
public sealed record BenchOptions
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 65434;

    /// <summary>
    /// Ports of other nodes of the same network (several `chat serve` on one
    /// PostgreSQL): clients are spread round-robin over <see cref="Port"/> and these.
    /// </summary>
    public IReadOnlyList<int> OtherPorts { get; init; } = [];

    /// <summary>The port client number <paramref name="index"/> connects to.</summary>
    public int PortFor(int index) =>
        OtherPorts.Count == 0 || index % (OtherPorts.Count + 1) == 0 ? Port : OtherPorts[(index % (OtherPorts.Count + 1)) - 1];

    /// <summary>
    /// Loopback source addresses to spread connections over (127.0.0.1, .2, ...):
    /// one address has only ~28,000 ephemeral ports toward one server port.
    /// </summary>
    public int SourceAddresses { get; init; } = 4;

    /// <summary>New connections per second while ramping up.</summary>
    public int ConnectRate { get; init; } = 1000;

    /// <summary>How long a connection may take to register before it counts as failed.</summary>
    public TimeSpan RegisterTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Prefix of generated nicks, so several runs can share a server.</summary>
    public string NickPrefix { get; init; } = "b";

    /// <summary>
    /// Whether the fan-out and pairs scenarios wait with epoll where there is one
    /// (Linux x64); false uses Socket.Select, as on other systems.
    /// </summary>
    public bool UseEpoll { get; init; } = true;

    /// <summary>
    /// Longest a fan-out waits after sending for the deliveries still on their way
    /// (it stops sooner once all arrived or nothing moved for 3 s); null: six
    /// times the run, at least 120 s. A server that rate-limits its senders (flood
    /// control) trickles deliveries for minutes; what has not arrived by then is loss.
    /// </summary>
    public TimeSpan? DrainLimit { get; init; }

    public IPAddress SourceAddress(int index)
    {
        int n = index % Math.Max(1, SourceAddresses);
        return new IPAddress(new byte[] { 127, 0, 0, (byte)(1 + n) });
    }
}
