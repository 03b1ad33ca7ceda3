namespace Chat.Client;

/// <summary>How `chat join` logs in: a password for SASL PLAIN (or NickServ IDENTIFY), and whether to register first.</summary>
public sealed record ClientAuth(string Password, bool Register, string? Email = null);
