using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Chat.Core.Protocol;
using Chat.Server.Commands;

namespace Chat.Server.Accounts;

/// <summary>
/// AUTHENTICATE (IRCv3 SASL 3.1/3.2): PLAIN and SCRAM-SHA-256, payloads in
/// 400-byte base64 chunks, "AUTHENTICATE *" aborts, numerics 900-908.
/// </summary>
public sealed class Sasl
{
    public const string Mechanisms = "PLAIN,SCRAM-SHA-256";
    private const int ChunkSize = 400;
    private const int MaxPayload = 8192;

    private readonly ChatServer _server;
    private readonly AccountService _accounts;
    private readonly ConditionalWeakTable<Client, Exchange> _exchanges = new();
    private readonly byte[] _decoySecret = RandomNumberGenerator.GetBytes(32);

    public Sasl(ChatServer server, AccountService accounts)
    {
        _server = server;
        _accounts = accounts;
    }

    public void Register(CommandTable table) => table.Add(IrcCommands.Authenticate, 1, true, Authenticate);

    private void Authenticate(Client client, IrcMessage message)
    {
        string data = message.Parameters[0];
        if (client.Account is not null)
        {
            client.SendNumeric(AccountService.ERR_SASLALREADY, "You have already authenticated using SASL");
            return;
        }

        if (!_exchanges.TryGetValue(client, out var exchange))
        {
            Start(client, data);
            return;
        }

        if (data == "*")
        {
            _exchanges.Remove(client);
            client.SendNumeric(AccountService.ERR_SASLABORTED, "SASL authentication aborted");
            return;
        }

        if (data.Length > ChunkSize)
        {
            _exchanges.Remove(client);
            client.SendNumeric(AccountService.ERR_SASLTOOLONG, "SASL message too long");
            return;
        }

        if (exchange.Busy)
        {
            return;
        }

        if (data != "+")
        {
            exchange.Buffer.Append(data);
        }

        if (exchange.Buffer.Length > MaxPayload)
        {
            _exchanges.Remove(client);
            client.SendNumeric(AccountService.ERR_SASLTOOLONG, "SASL message too long");
            return;
        }

        if (data.Length == ChunkSize)
        {
            // A full chunk: more follows (or "+").
            return;
        }

        string payload = exchange.Buffer.ToString();
        exchange.Buffer.Clear();
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(payload);
        }
        catch (FormatException)
        {
            Fail(client, exchange.Account ?? "*", exchange.Mechanism, count: false);
            return;
        }

        if (exchange.Mechanism == "PLAIN")
        {
            Plain(client, exchange, bytes);
        }
        else
        {
            Scram(client, exchange, Encoding.UTF8.GetString(bytes));
        }
    }

    private void Start(Client client, string mechanism)
    {
        mechanism = mechanism.ToUpperInvariant();
        if (mechanism is not ("PLAIN" or "SCRAM-SHA-256"))
        {
            client.SendNumeric(AccountService.RPL_SASLMECHS, Mechanisms, "are available SASL mechanisms");
            client.SendNumeric(AccountService.ERR_SASLFAIL, "SASL authentication failed");
            return;
        }

        if (mechanism == "PLAIN" && !client.MayLogIn)
        {
            // Server:RequireTlsForLogin: a clear-text password must not cross a plain connection.
            client.SendNumeric(AccountService.ERR_SASLFAIL, "SASL PLAIN needs an encrypted connection (TLS) on this server");
            return;
        }

        _exchanges.AddOrUpdate(client, new Exchange(mechanism));
        client.Send(new IrcMessage(IrcCommands.Authenticate, "+"));
    }

    private void Plain(Client client, Exchange exchange, byte[] bytes)
    {
        // authzid NUL authcid NUL password
        var parts = Encoding.UTF8.GetString(bytes).Split('\0');
        CryptographicOperations.ZeroMemory(bytes);
        if (parts.Length != 3 || parts[1].Length == 0 || (parts[0].Length > 0 && !IrcCaseMapping.Equals(parts[0], parts[1])))
        {
            Fail(client, "*", "PLAIN", count: false);
            return;
        }

        string account = parts[1];
        exchange.Busy = true;
        client.After(_accounts.CheckPasswordAsync(client, account, parts[2]), done =>
        {
            exchange.Busy = false;
            if (done.IsCompletedSuccessfully && done.Result.Account is { } record)
            {
                Succeed(client, record, "PLAIN");
            }
            else
            {
                Fail(client, account, "PLAIN", count: false, retryAfter: done.IsCompletedSuccessfully ? done.Result.RetryAfter : null);
            }
        });
    }

    private void Scram(Client client, Exchange exchange, string message)
    {
        switch (exchange.Step)
        {
            case 0:
                var scram = new ScramExchange();
                if (!scram.ReadClientFirst(message))
                {
                    Fail(client, "*", "SCRAM-SHA-256", count: false);
                    return;
                }

                exchange.Scram = scram;
                exchange.Account = scram.User!;
                string[] keys = AccountService.ThrottleKeys(client, scram.User!);
                if (_accounts.Throttle.RetryAfter(keys) is { } wait)
                {
                    Fail(client, scram.User!, "SCRAM-SHA-256", count: false, retryAfter: wait);
                    return;
                }

                exchange.Busy = true;
                client.After(_server.Store.FindAccountAsync(scram.User!), done =>
                {
                    exchange.Busy = false;
                    var record = done.IsCompletedSuccessfully ? done.Result : null;
                    exchange.Record = record;
                    var credentials = record?.Scram ?? Decoy(scram.User!);
                    exchange.Step = 1;
                    SendChallenge(client, scram.ServerFirst(credentials));
                });
                return;
            case 1:
                string? final = exchange.Scram!.ReadClientFinal(message);
                if (final is null || exchange.Record is null)
                {
                    Fail(client, exchange.Account!, "SCRAM-SHA-256", count: true);
                    return;
                }

                exchange.Step = 2;
                SendChallenge(client, final);
                return;
            default:
                // The client acknowledged our signature ("+").
                Succeed(client, exchange.Record!, "SCRAM-SHA-256");
                return;
        }
    }

    /// <summary>Believable keys for an unknown account, the same each time, so probing learns nothing.</summary>
    private ScramCredentials Decoy(string user)
    {
        byte[] seed = HMACSHA256.HashData(_decoySecret, Encoding.UTF8.GetBytes(IrcCaseMapping.Fold(user)));
        return new ScramCredentials(seed[..AccountHashing.SaltBytes], _accounts.Options.Pbkdf2Iterations, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
    }

    private static void SendChallenge(Client client, string text)
    {
        string encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        for (int i = 0; i < encoded.Length; i += ChunkSize)
        {
            client.Send(new IrcMessage(IrcCommands.Authenticate, encoded.Substring(i, Math.Min(ChunkSize, encoded.Length - i))));
        }

        if (encoded.Length % ChunkSize == 0)
        {
            client.Send(new IrcMessage(IrcCommands.Authenticate, "+"));
        }
    }

    private void Succeed(Client client, AccountRecord record, string mechanism)
    {
        _exchanges.Remove(client);
        _accounts.Throttle.Succeeded(AccountService.ThrottleKeys(client, record.Name));
        _accounts.LogIn(client, record, mechanism);
        client.SendNumeric(AccountService.RPL_SASLSUCCESS, "SASL authentication successful");
    }

    private void Fail(Client client, string account, string mechanism, bool count, TimeSpan? retryAfter = null)
    {
        _exchanges.Remove(client);
        if (count)
        {
            _accounts.Throttle.Failed(AccountService.ThrottleKeys(client, account));
        }

        _server.Log.LoginFailed(account, client.Endpoint, mechanism);
        if (retryAfter is { } wait)
        {
            client.SendStandardReply("NOTE", IrcCommands.Authenticate, "RATE_LIMITED", _server.Text.Format("LoginThrottled", (int)Math.Ceiling(wait.TotalSeconds)));
        }

        client.SendNumeric(AccountService.ERR_SASLFAIL, "SASL authentication failed");
    }

    private sealed class Exchange
    {
        public Exchange(string mechanism)
        {
            Mechanism = mechanism;
        }

        public string Mechanism { get; }

        public StringBuilder Buffer { get; } = new();

        public bool Busy { get; set; }

        public int Step { get; set; }

        public string? Account { get; set; }

        public ScramExchange? Scram { get; set; }

        public AccountRecord? Record { get; set; }
    }
}
