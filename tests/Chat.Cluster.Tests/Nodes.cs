using Chat.Server;
using Chat.Server.Cluster;
using Chat.Server.Tests;
using Microsoft.Extensions.Logging;

namespace Chat.Cluster.Tests;

/// <summary>Several in-process nodes on one database, stopped together.</summary>
public sealed class Nodes : IAsyncDisposable
{
    private readonly List<TestServer> _servers = new();
    private readonly List<TestClient> _clients = new();

    private Nodes(string database, ILoggerFactory? loggers)
    {
        Database = database;
        Loggers = loggers;
    }

    public string Database { get; }

    public ILoggerFactory? Loggers { get; }

    /// <summary>More options for every node (operators, ...).</summary>
    public Func<ServerOptions, ServerOptions>? Configure { get; private init; }

    public TestServer this[int index] => _servers[index];

    /// <summary>Starts <paramref name="count"/> nodes named n1, n2... and waits until each has joined the cluster.</summary>
    public static async Task<Nodes> StartAsync(string database, int count, TimeSpan? nodeTimeout = null, ILoggerFactory? loggers = null,
        Func<ServerOptions, ServerOptions>? configure = null)
    {
        var nodes = new Nodes(database, loggers) { Configure = configure };
        for (int i = 1; i <= count; i++)
        {
            await nodes.AddAsync($"n{i}", nodeTimeout);
        }

        return nodes;
    }

    public async Task<TestServer> AddAsync(string name, TimeSpan? nodeTimeout = null)
    {
        var server = await TestServer.StartAsync(o => (Configure ?? (x => x))(o) with
        {
            ServerName = name + ".test",
            Cluster = new ClusterOptions
            {
                Database = Database,
                NodeName = name,
                HeartbeatInterval = TimeSpan.FromMilliseconds(300),
                NodeTimeout = nodeTimeout ?? TimeSpan.FromSeconds(10),
            },
        }, Loggers);
        _servers.Add(server);
        await WaitAsync(() => server.Server.Cluster!.SyncCount > 0, TimeSpan.FromSeconds(20), $"{name} joined the cluster");
        return server;
    }

    /// <summary>Registers a client on node <paramref name="node"/> and joins it to a room.</summary>
    public async Task<TestClient> JoinAsync(int node, string nick, string room = "#general")
    {
        var client = await _servers[node].JoinAsync(nick, room);
        _clients.Add(client);
        return client;
    }

    public async Task<TestClient> RegisterAsync(int node, string nick)
    {
        var client = await _servers[node].RegisterAsync(nick);
        _clients.Add(client);
        return client;
    }

    public async Task<TestClient> ConnectAsync(int node)
    {
        var client = await _servers[node].ConnectAsync();
        _clients.Add(client);
        return client;
    }

    /// <summary>Polls until <paramref name="condition"/> holds, failing after <paramref name="timeout"/>.</summary>
    public static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Until node <paramref name="node"/> sees <paramref name="nick"/> (as a user of another node, or gone when false).</summary>
    public Task SeesAsync(int node, string nick, bool present = true) =>
        WaitAsync(() => (_servers[node].Server.State.FindNick(nick) is not null) == present, TimeSpan.FromSeconds(15), $"node {node + 1} {(present ? "knows" : "forgot")} {nick}");

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}
