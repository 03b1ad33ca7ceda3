namespace Chat.Server;

/// <summary>
/// The IRCv3 capabilities this server offers. Only what is fully implemented is
/// listed; CAP LS, CAP REQ and the tests read this one list.
/// </summary>
public static class Capabilities
{
    /// <summary>Nothing yet: negotiation itself (CAP LS 302 / END) works, so clients can ask.</summary>
    public static readonly IReadOnlyList<string> Offered = [];

    public static string LsValue => string.Join(' ', Offered);
}
