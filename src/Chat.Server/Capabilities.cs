namespace Chat.Server;

/// <summary>The IRCv3 capabilities a client can enable, as flags so checks are cheap.</summary>
[Flags]
public enum Cap
{
    None = 0,
    CapNotify = 1 << 0,
    MessageTags = 1 << 1,
    ServerTime = 1 << 2,
    EchoMessage = 1 << 3,
    MultiPrefix = 1 << 4,
    UserhostInNames = 1 << 5,
    AwayNotify = 1 << 6,
    ExtendedJoin = 1 << 7,
    AccountTag = 1 << 8,
    AccountNotify = 1 << 9,
    Setname = 1 << 10,
    InviteNotify = 1 << 11,
    Batch = 1 << 12,
    LabeledResponse = 1 << 13,
    Chghost = 1 << 14,
    ChatHistory = 1 << 15,
    Sasl = 1 << 16,
    AccountRegistration = 1 << 17,
}

/// <summary>
/// The capabilities this server offers: one list that CAP LS, CAP REQ and the
/// tests all read, so what is advertised is what is implemented.
/// </summary>
public static class Capabilities
{
    /// <summary>Name, flag and (for CAP LS 302) value of every capability offered.</summary>
    public static readonly IReadOnlyList<(string Name, Cap Flag, string? Value)> Offered =
    [
        ("account-notify", Cap.AccountNotify, null),
        ("account-tag", Cap.AccountTag, null),
        ("away-notify", Cap.AwayNotify, null),
        ("batch", Cap.Batch, null),
        ("cap-notify", Cap.CapNotify, null),
        ("chghost", Cap.Chghost, null),
        ("draft/account-registration", Cap.AccountRegistration, "before-connect"),
        ("draft/chathistory", Cap.ChatHistory, null),
        ("echo-message", Cap.EchoMessage, null),
        ("extended-join", Cap.ExtendedJoin, null),
        ("invite-notify", Cap.InviteNotify, null),
        ("labeled-response", Cap.LabeledResponse, null),
        ("message-tags", Cap.MessageTags, null),
        ("multi-prefix", Cap.MultiPrefix, null),
        ("sasl", Cap.Sasl, "PLAIN,SCRAM-SHA-256"),
        ("server-time", Cap.ServerTime, null),
        ("setname", Cap.Setname, null),
        ("userhost-in-names", Cap.UserhostInNames, null),
    ];

    private static readonly Dictionary<string, Cap> ByName =
        Offered.ToDictionary(c => c.Name, c => c.Flag, StringComparer.OrdinalIgnoreCase);

    public static bool TryGet(string name, out Cap flag) => ByName.TryGetValue(name, out flag);

    /// <summary>The names of the enabled flags, in the order they are offered.</summary>
    public static string Names(Cap enabled) =>
        string.Join(' ', Offered.Where(c => (enabled & c.Flag) != 0).Select(c => c.Name));

    /// <summary>The whole CAP LS list on one line.</summary>
    public static string LsValue(int version) => string.Join(' ', LsEntries(version));

    /// <summary>
    /// CAP LS entries for one client: the offered ones, and the IRCv3 sts policy
    /// when TLS is configured (https://ircv3.net/specs/extensions/sts): on a plain
    /// connection "sts=port=6697" (clients reconnect there), on a TLS one
    /// "sts=duration=N" (clients keep to TLS for N seconds). WebSocket clients are
    /// not sent it: its port is the IRC TLS port, not the web one.
    /// </summary>
    public static IEnumerable<string> LsEntries(int version, Client client)
    {
        var entries = LsEntries(version);
        var tls = client.Server.Options.Tls;
        if (version < 302 || client.IsWebSocket || tls.StsDuration is not { } duration || client.Server.TlsEndPoint is not { } endpoint)
        {
            return entries;
        }

        string policy = client.IsSecure
            ? $"sts=duration={(long)duration.TotalSeconds}"
            : $"sts=port={endpoint.Port}";
        return entries.Append(policy);
    }

    /// <summary>CAP LS entries, with values for 302 clients.</summary>
    public static IEnumerable<string> LsEntries(int version) =>
        Offered.Select(c => version >= 302 && c.Value is not null ? $"{c.Name}={c.Value}" : c.Name);
}
