namespace Chat.Core.Protocol;

/// <summary>Command verbs, and the set a server must recognise as IRC rather than plain text.</summary>
public static class IrcCommands
{
    public const string Cap = "CAP";
    public const string Pass = "PASS";
    public const string Nick = "NICK";
    public const string User = "USER";
    public const string Ping = "PING";
    public const string Pong = "PONG";
    public const string Quit = "QUIT";
    public const string Error = "ERROR";
    public const string Join = "JOIN";
    public const string Part = "PART";
    public const string Privmsg = "PRIVMSG";
    public const string Notice = "NOTICE";
    public const string Names = "NAMES";
    public const string Mode = "MODE";
    public const string Topic = "TOPIC";
    public const string Who = "WHO";
    public const string Kick = "KICK";
    public const string Invite = "INVITE";
    public const string List = "LIST";
    public const string Motd = "MOTD";
    public const string Lusers = "LUSERS";
    public const string Authenticate = "AUTHENTICATE";
    public const string Webirc = "WEBIRC";
    public const string Tagmsg = "TAGMSG";
    public const string Batch = "BATCH";
    public const string Setname = "SETNAME";
    public const string Away = "AWAY";

    // User queries, server queries and operators.
    public const string Whois = "WHOIS";
    public const string Whowas = "WHOWAS";
    public const string Ison = "ISON";
    public const string Userhost = "USERHOST";
    public const string Version = "VERSION";
    public const string Time = "TIME";
    public const string Info = "INFO";
    public const string Admin = "ADMIN";
    public const string Oper = "OPER";
    public const string Kill = "KILL";
    public const string Chghost = "CHGHOST";

    /// <summary>
    /// Every verb a client may plausibly open a connection with, from RFC 1459/2812
    /// and IRCv3. A first line that is one of these words is IRC, never a plain alias.
    /// </summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ADMIN", "AUTHENTICATE", "AWAY", "BATCH", "CAP", "CHATHISTORY", "CHGHOST", "CONNECT", "DIE", "ERROR", "HELP",
        "INFO", "INVITE", "ISON", "JOIN", "KICK", "KILL", "LINKS", "LIST", "LUSERS", "MODE", "MONITOR",
        "MOTD", "NAMES", "NICK", "NOTICE", "OPER", "PART", "PASS", "PING", "PONG", "PRIVMSG", "QUIT",
        "REGISTER", "REHASH", "RESTART", "SERVICE", "SERVLIST", "SETNAME", "SQUERY", "SQUIT", "STATS",
        "SUMMON", "TAGMSG", "TIME", "TOPIC", "TRACE", "USER", "USERHOST", "USERS", "VERIFY", "VERSION",
        "WALLOPS", "WEBIRC", "WHO", "WHOIS", "WHOWAS", "ISUPPORT", "SERVER",
    };
}
