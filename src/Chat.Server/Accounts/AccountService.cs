using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Chat.Core.Protocol;
using Chat.Server.Commands;
using Chat.Server.Storage;

namespace Chat.Server.Accounts;

/// <summary>
/// Accounts: registration (draft/account-registration REGISTER and NickServ),
/// login (SASL and NickServ IDENTIFY), throttling of failures, protection of
/// registered nicks, and the "account required" policies.
/// </summary>
public sealed class AccountService
{
    public const string RPL_LOGGEDIN = "900";
    public const string RPL_SASLSUCCESS = "903";
    public const string ERR_SASLFAIL = "904";
    public const string ERR_SASLTOOLONG = "905";
    public const string ERR_SASLABORTED = "906";
    public const string ERR_SASLALREADY = "907";
    public const string RPL_SASLMECHS = "908";
    public const string ERR_NEEDREGGEDNICK = "477";

    private readonly ChatServer _server;
    private readonly IChatStore _store;
    private readonly ConcurrentDictionary<string, byte> _registered = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<Client, NickWatch> _watches = new();
    private readonly HashSet<string> _accountRooms;

    public AccountService(ChatServer server, IChatStore store)
    {
        _server = server;
        _store = store;
        Throttle = new LoginThrottle(server.Options.Accounts);
        NickServ = new NickServ(server, this);
        Sasl = new Sasl(server, this);
        _accountRooms = new HashSet<string>(Options.AccountRooms.Select(r => IrcCaseMapping.Fold(r.StartsWith('#') ? r : "#" + r)), StringComparer.Ordinal);
        foreach (var name in store.AccountNamesAsync().GetAwaiter().GetResult())
        {
            _registered[name] = 0;
        }
    }

    public AccountOptions Options => _server.Options.Accounts;

    public LoginThrottle Throttle { get; }

    public NickServ NickServ { get; }

    public Sasl Sasl { get; }

    public void Register(CommandTable table)
    {
        Sasl.Register(table);
        table.Add("REGISTER", 3, true, RegisterCommand);
        table.Add("VERIFY", 2, true, (c, m) =>
            c.SendStandardReply("FAIL", "VERIFY", "INVALID_CODE", m.Parameters[0], "No verification is pending: accounts here need none"));
    }

    /// <summary>Whether a nick belongs to an account.</summary>
    public bool IsRegisteredName(string nick) => _registered.ContainsKey(IrcCaseMapping.Fold(nick));

    // ---- logging in ----

    /// <summary>Checks a password for an account (slow on purpose: PBKDF2), throttled per account and address.</summary>
    public async Task<LoginResult> CheckPasswordAsync(Client client, string account, string password)
    {
        string[] keys = ThrottleKeys(client, account);
        if (Throttle.RetryAfter(keys) is { } wait)
        {
            return new LoginResult(null, wait);
        }

        var record = await _store.FindAccountAsync(account).ConfigureAwait(false);
        bool ok = await Task.Run(() => record is null
            ? VerifyDecoy(password)
            : AccountHashing.Verify(record.Password, password)).ConfigureAwait(false);
        if (!ok || record is null)
        {
            Throttle.Failed(keys);
            return new LoginResult(null, null);
        }

        Throttle.Succeeded(keys);
        return new LoginResult(record, null);
    }

    /// <summary>Spends the same time as a real check, so unknown accounts cannot be told apart by timing.</summary>
    private bool VerifyDecoy(string password)
    {
        AccountHashing.Derive(password, new byte[AccountHashing.SaltBytes], Options.Pbkdf2Iterations);
        return false;
    }

    internal static string[] ThrottleKeys(Client client, string account) =>
        ["account:" + IrcCaseMapping.Fold(account), "address:" + client.Host];

    /// <summary>Logs the client in: 900, account-notify to room mates with the capability.</summary>
    public void LogIn(Client client, AccountRecord account, string mechanism)
    {
        client.Account = account.Name;
        string prefix = client.Nick is null ? "*" : client.Prefix;
        client.SendNumeric(RPL_LOGGEDIN, prefix, account.Name, $"You are now logged in as {account.Name}");
        _server.Log.LoggedIn(client.NickOrStar, account.Name, mechanism);
        if (client.IsRegistered)
        {
            var line = _server.Events.CapOnly(client, Cap.AccountNotify, "ACCOUNT", account.Name);
            foreach (var mate in _server.State.RoomMates(client))
            {
                mate.Deliver(line);
            }
        }
    }

    // ---- registering ----

    /// <summary>Why a name and password cannot be registered, as (code, text); null when they can.</summary>
    public (string Code, string Text)? Validate(string name, string password, string? email)
    {
        if (!IrcValidation.IsValidNick(name) || NickServ.IsServiceNick(name))
        {
            return ("BAD_ACCOUNT_NAME", "That account name is not valid");
        }

        if (password.Length < Options.MinPasswordLength || password.Contains(' '))
        {
            return ("WEAK_PASSWORD", $"The password must have at least {Options.MinPasswordLength} characters and no spaces");
        }

        if (email is not null && (!email.Contains('@') || email.Length > 200))
        {
            return ("INVALID_EMAIL", "That email address is not valid");
        }

        return null;
    }

    /// <summary>Hashes and stores a new account; null when the name is taken.</summary>
    public async Task<AccountRecord?> CreateAsync(string name, string? email, string password)
    {
        var record = await Task.Run(() => AccountHashing.Create(name, email, password, Options.Pbkdf2Iterations)).ConfigureAwait(false);
        if (!await _store.CreateAccountAsync(record).ConfigureAwait(false))
        {
            return null;
        }

        _registered[record.Folded] = 0;
        return record;
    }

    /// <summary>REGISTER &lt;account&gt; {&lt;email&gt; | *} &lt;password&gt; (draft/account-registration, before-connect).</summary>
    private void RegisterCommand(Client client, IrcMessage message)
    {
        string name = message.Parameters[0];
        string? email = message.Parameters[1] == "*" ? null : message.Parameters[1];
        string password = message.Parameters[2];
        if (client.Account is not null)
        {
            client.SendStandardReply("FAIL", "REGISTER", "ALREADY_AUTHENTICATED", client.Account, "You are already logged in");
            return;
        }

        if (name == "*")
        {
            if (client.Nick is null)
            {
                client.SendStandardReply("FAIL", "REGISTER", "NEED_NICK", "*", "Choose a nick first: the account takes its name");
                return;
            }

            name = client.Nick;
        }
        else if (client.Nick is null || !IrcCaseMapping.Equals(name, client.Nick))
        {
            client.SendStandardReply("FAIL", "REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", name, "The account name must be your current nick");
            return;
        }

        if (Validate(name, password, email) is { } problem)
        {
            client.SendStandardReply("FAIL", "REGISTER", problem.Code, name, problem.Text);
            return;
        }

        client.After(CreateAsync(name, email, password), done =>
        {
            if (!done.IsCompletedSuccessfully)
            {
                client.SendStandardReply("FAIL", "REGISTER", "TEMPORARILY_UNAVAILABLE", name, "Accounts cannot be created right now");
                return;
            }

            if (done.Result is not { } record)
            {
                client.SendStandardReply("FAIL", "REGISTER", "ACCOUNT_EXISTS", name, "That account already exists");
                return;
            }

            _server.Log.AccountRegistered(record.Name, client.NickOrStar);
            client.Send(new IrcMessage(null, _server.Name, "REGISTER", ["SUCCESS", record.Name, "Account created"]));
            LogIn(client, record, "REGISTER");
        });
    }

    // ---- policies ----

    /// <summary>False (and the client is told and closed) when the server requires an account and the client has none.</summary>
    public bool MayComplete(Client client)
    {
        if (!Options.RequireAccount || client.Account is not null)
        {
            return true;
        }

        string text = _server.Text["AccountRequired"];
        if (client.IsPlain)
        {
            client.Close("Account required", text);
        }
        else
        {
            client.SendStandardReply("FAIL", "*", "ACCOUNT_REQUIRED", text);
            client.Close("Account required", text);
        }

        return false;
    }

    /// <summary>False (and the client is told) when a room needs an account the client does not have.</summary>
    public bool MayJoin(Client client, string channel)
    {
        if (!client.IsRegistered)
        {
            return false;
        }

        if (client.Account is not null || !_accountRooms.Contains(IrcCaseMapping.Fold(channel)))
        {
            return true;
        }

        string text = _server.Text.Format("AccountRoom", channel);
        if (client.IsPlain)
        {
            client.SendPlain(text);
        }
        else
        {
            client.SendNumeric(ERR_NEEDREGGEDNICK, channel, text);
        }

        return false;
    }

    /// <summary>
    /// Called periodically for each client: someone holding a registered nick
    /// without being logged in to it is warned once, then renamed to a guest
    /// nick when the grace period is over.
    /// </summary>
    public void CheckNick(Client client)
    {
        string? nick = client.Nick;
        if (!client.IsRegistered || nick is null)
        {
            return;
        }

        string folded = IrcCaseMapping.Fold(nick);
        if (!_registered.ContainsKey(folded) || (client.Account is not null && IrcCaseMapping.Fold(client.Account) == folded))
        {
            // Nothing to watch: most clients never hold a watch at all.
            if (_watches.TryGetValue(client, out _))
            {
                _watches.Remove(client);
            }

            return;
        }

        var watch = _watches.GetOrCreateValue(client);
        var now = DateTimeOffset.UtcNow;
        if (watch.Nick != folded)
        {
            watch.Nick = folded;
            watch.Since = now;
            NickServ.Reply(client, _server.Text.Format("NickProtected", nick, (int)Math.Ceiling(Options.NickGracePeriod.TotalSeconds)));
            return;
        }

        if (now - watch.Since < Options.NickGracePeriod)
        {
            return;
        }

        string guest;
        do
        {
            guest = "Guest" + Random.Shared.Next(10000, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        while (_server.State.FindNick(guest) is not null);

        _server.Rooms.ChangeNick(client, guest);
        watch.Nick = null;
        _server.Log.NickReclaimed(nick, guest);
        NickServ.Reply(client, _server.Text.Format("NickRenamed", nick, guest));
    }

    private sealed class NickWatch
    {
        public string? Nick { get; set; }

        public DateTimeOffset Since { get; set; }
    }
}

/// <summary>A password check's outcome: the account, or a wait imposed by throttling, or neither (wrong).</summary>
public sealed record LoginResult(AccountRecord? Account, TimeSpan? RetryAfter);
