using Microsoft.Extensions.Logging;

namespace Chat.Server.Cluster;

/// <summary>What the cluster logs; every line names the node.</summary>
internal sealed partial class ClusterLog
{
    private readonly ILogger _logger;

    public ClusterLog(ILogger logger)
    {
        _logger = logger;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} joined the cluster (schema version {Version})")]
    public partial void Joined(string node, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} brought the cluster schema from version {From} to {To}")]
    public partial void SchemaMigrated(string node, int from, int to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} lost its database connection; serving local users only and retrying: {Problem}")]
    public partial void DatabaseLost(string node, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} cannot reach its database yet; retrying: {Problem}")]
    public partial void DatabaseUnreachable(string node, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} is back on its database after {Seconds:0.0} s; presence resynchronised")]
    public partial void DatabaseBack(string node, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: node {Lost} sent no heartbeat for {Seconds} s and was removed with its users")]
    public partial void NodeLost(string node, string lost, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} took over from an earlier node of the same name ({Id}), taken for crashed: its users quit")]
    public partial void PredecessorReplaced(string node, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: skipped an event from the database: {Problem}")]
    public partial void BadEvent(string node, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node}: could not publish a {Type} event: {Problem}")]
    public partial void PublishFailed(string node, string type, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node}: {Nick} was taken on another node meanwhile; the local user is now {NewNick}")]
    public partial void NickCollision(string node, string nick, string newNick);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} left the cluster")]
    public partial void Left(string node);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {Node}: unexpected error in the cluster link")]
    public partial void Failed(Exception exception, string node);
}
