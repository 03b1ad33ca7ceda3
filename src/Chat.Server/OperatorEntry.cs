namespace Chat.Server;

/// <summary>One IRC operator: OPER &lt;Name&gt; &lt;password&gt; makes a client +o.</summary>
/// <param name="Name">The name given to OPER (not a nick; case-sensitive).</param>
/// <param name="PasswordHash">A <see cref="Security.PasswordHasher"/> string, never the password itself.</param>
public sealed record OperatorEntry(string Name, string PasswordHash);
