using Chat.Server.Resources;
using Microsoft.Extensions.Logging;

namespace Chat.Server;

/// <summary>
/// What the server logs. The events an operator watches (listening, connections,
/// messages, disconnects) use templates from ServerText in the chosen language;
/// the rest are fixed English templates. Nothing a user types as a password
/// ever reaches a log.
/// </summary>
public sealed partial class ServerLog
{
    private readonly ILogger _logger;
    private readonly ServerText _text;

    public ServerLog(ILogger logger, ServerText text)
    {
        _logger = logger;
        _text = text;
    }

#pragma warning disable CA2254 // The templates are localised resources with fixed placeholders.
    public void Listening(string endpoint) => _logger.LogInformation(_text["Listening"], endpoint);

    public void Connected(string nick, string endpoint) => _logger.LogInformation(_text["Connected"], nick, endpoint);

    public void Said(string nick, string text) => _logger.LogInformation(_text["Said"], nick, text);

    public void SaidIn(string nick, string channel, string text) => _logger.LogInformation(_text["SaidIn"], nick, channel, text);

    public void Disconnected(string nick, string reason) => _logger.LogInformation(_text["Disconnected"], nick, reason);

    public void ShuttingDown() => _logger.LogInformation(_text["ShuttingDown"]);

    /// <summary>Where history is kept (a folder, or a database without its password), said once at start-up.</summary>
    public void StoreOpened(string path) => _logger.LogInformation(_text["StoreOpened"], path);
#pragma warning restore CA2254

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection from {Endpoint} closed before registering ({Reason})")]
    public partial void UnregisteredClosed(string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a connection from {Address}: {Reason}")]
    public partial void Throttled(string address, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Malformed line from {Endpoint} ignored")]
    public partial void MalformedLine(string endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error while serving {Endpoint}")]
    public partial void SessionFailed(Exception exception, string endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "Accepting connections failed")]
    public partial void AcceptFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MOTD file {Path} cannot be read: {Problem}")]
    public partial void MotdUnreadable(string path, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Nick} ({Endpoint}) is now an IRC operator as {OperName}")]
    public partial void OperUp(string nick, string endpoint, string operName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed OPER as {OperName} by {Nick} ({Endpoint}): {Problem}")]
    public partial void OperFailed(string operName, string nick, string endpoint, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "TLS handshake with {Endpoint} failed: {Problem}")]
    public partial void TlsHandshakeFailed(string endpoint, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Killer} killed {Victim}: {Reason}")]
    public partial void Killed(string killer, string victim, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A burst of connections is over: memory trimmed with {Clients} clients connected, {HeapKiB} KiB of heap live")]
    public partial void MemoryTrimmed(int clients, long heapKiB);
}
