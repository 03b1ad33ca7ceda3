using Microsoft.Extensions.Logging;

namespace Chat.Server;

/// <summary>What storage and accounts log. Never a password, never a message's text.</summary>
public sealed partial class ServerLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Storage failed for {Conversation}")]
    public partial void StoreFailed(Exception exception, string conversation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {Database} unreachable; {Waiting} writes wait and are retried until it is back")]
    public partial void StoreUnavailable(Exception exception, string database, int waiting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Database} reachable again after {Seconds:F1} s; waiting writes committed")]
    public partial void StoreReconnected(string database, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database {Database} has not committed for {Seconds:F0} s: messages are delivered now and kept in memory ({Waiting} so far) until it stores them")]
    public partial void StoreHolding(string database, double seconds, int waiting);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} delivered messages were never stored in {Database}: the server stopped while it was unreachable")]
    public partial void StoreHeldLost(int count, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Account {Account} registered by {Nick}")]
    public partial void AccountRegistered(string account, string nick);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Nick} logged in as {Account} ({Mechanism})")]
    public partial void LoggedIn(string nick, string account, string mechanism);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed login for account {Account} from {Endpoint} ({Mechanism})")]
    public partial void LoginFailed(string account, string endpoint, string mechanism);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Nick} renamed to {Guest}: nick registered to another account")]
    public partial void NickReclaimed(string nick, string guest);
}
