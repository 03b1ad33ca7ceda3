using System.Data.Common;
using Chat.Server.Accounts;

namespace Chat.Server.Storage;

/// <summary>The rows both stores read, in the same column order, turned into records.</summary>
internal static class StoreRows
{
    /// <summary>A message's columns, in the order <see cref="Message"/> reads them.</summary>
    public const string MessageColumns = "msgid, time, conversation, command, sender, sender_nick, account, target, text, tags";

    /// <summary>An account's columns, in the order <see cref="Account"/> reads them.</summary>
    public const string AccountColumns = """
        name, folded, email, created, pbkdf2_salt, pbkdf2_iterations, pbkdf2_hash,
        scram_salt, scram_iterations, scram_stored_key, scram_server_key
        """;

    public static StoredMessage Message(DbDataReader r) => new(
        r.GetString(0),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
        r.GetString(2),
        r.GetString(3),
        r.GetString(4),
        r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.GetString(7),
        r.GetString(8),
        r.IsDBNull(9) ? null : r.GetString(9));

    public static AccountRecord Account(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.IsDBNull(2) ? null : r.GetString(2),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
        new PasswordVerifier((byte[])r[4], r.GetInt32(5), (byte[])r[6]),
        new ScramCredentials((byte[])r[7], r.GetInt32(8), (byte[])r[9], (byte[])r[10]));

    /// <summary>
    /// TARGETS: of the conversations found (already filtered for visibility), the
    /// <paramref name="limit"/> nearest to <paramref name="from"/>, in time order.
    /// </summary>
    public static IEnumerable<(string Conversation, long Latest)> ChooseTargets(List<(string Conversation, long Latest)> found, DateTimeOffset from, DateTimeOffset to, int limit)
    {
        bool ascending = from <= to;
        return (ascending ? found.OrderBy(f => f.Latest) : found.OrderByDescending(f => f.Latest)).Take(limit).OrderBy(f => f.Latest);
    }
}
