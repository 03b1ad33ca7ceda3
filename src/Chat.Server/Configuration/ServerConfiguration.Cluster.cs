using Chat.Server.Cluster;
using Chat.Server.Storage;

namespace Chat.Server.Configuration;

/// <summary>The Cluster keys: Database (--database), NodeName (--node-name), HeartbeatSeconds, NodeTimeoutSeconds.</summary>
public static partial class ServerConfiguration
{
    private sealed partial class Reader
    {
        private ClusterOptions ReadCluster()
        {
            var cluster = new ClusterOptions();
            if (Text("Cluster:Database") is { } database)
            {
                try
                {
                    // A postgresql:// URL becomes an Npgsql connection string here, once.
                    cluster = cluster with { Database = PostgresConnectionString.Normalize(database) };
                }
                catch (FormatException ex)
                {
                    throw Fail("Cluster:Database", ex.Message);
                }
            }

            if (Text("Cluster:NodeName") is { } node)
            {
                if (node.Length is 0 or > 64 || !node.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                {
                    throw Fail("Cluster:NodeName", $"must be one word of letters, digits, '-', '_' or '.' (at most 64), not '{node}'");
                }

                cluster = cluster with { NodeName = node };
            }

            if (Seconds("Cluster:HeartbeatSeconds") is { } heartbeat)
            {
                cluster = cluster with { HeartbeatInterval = heartbeat };
            }

            if (Seconds("Cluster:NodeTimeoutSeconds") is { } timeout)
            {
                cluster = cluster with { NodeTimeout = timeout };
            }

            if (cluster.NodeTimeout <= cluster.HeartbeatInterval)
            {
                throw Fail(
                    root.GetSection("Cluster:NodeTimeoutSeconds").Value is null ? "Cluster:HeartbeatSeconds" : "Cluster:NodeTimeoutSeconds",
                    $"leaves no room: the node timeout ({cluster.NodeTimeout.TotalSeconds:0} s) must be longer than the heartbeat ({cluster.HeartbeatInterval.TotalSeconds:0} s)");
            }

            return cluster;
        }
    }
}
