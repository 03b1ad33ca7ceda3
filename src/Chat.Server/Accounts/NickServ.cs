using Chat.Core.Protocol;

namespace Chat.Server.Accounts;

/// <summary>
/// A NickServ pseudo-client for clients without SASL or account-registration:
/// "/msg NickServ REGISTER password [email]", "IDENTIFY [account] password",
/// "HELP". It answers with NOTICEs; no user may take its nick. What is said to
/// it is never stored nor logged.
/// </summary>
public sealed class NickServ
{
    public const string Nick = "NickServ";

    private readonly ChatServer _server;
    private readonly AccountService _accounts;

    public NickServ(ChatServer server, AccountService accounts)
    {
        _server = server;
        _accounts = accounts;
    }

    private string Prefix => $"{Nick}!{Nick}@services.{_server.Name}";

    public static bool IsServiceNick(string nick) => IrcCaseMapping.Equals(nick, Nick);

    /// <summary>A NOTICE from NickServ; plain users see "-NickServ- text".</summary>
    public void Reply(Client client, string text)
    {
        if (client.IsPlain)
        {
            client.SendPlain($"-{Nick}- {text}");
        }
        else
        {
            client.Send(new IrcMessage(null, Prefix, IrcCommands.Notice, [client.NickOrStar, text]));
        }
    }

    public void OnMessage(Client client, string command, string? text)
    {
        if (command != IrcCommands.Privmsg || string.IsNullOrWhiteSpace(text))
        {
            // A NOTICE never gets an answer.
            return;
        }

        var words = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var t = _server.Text;
        switch (words[0].ToUpperInvariant())
        {
            case "REGISTER" when words.Length is 2 or 3:
                Register(client, words[1], words.Length == 3 ? words[2] : null);
                break;
            case "REGISTER":
                Reply(client, t["NickServRegisterUsage"]);
                break;
            case "IDENTIFY" when words.Length is 2 or 3:
                Identify(client, words.Length == 3 ? words[1] : client.Nick!, words[^1]);
                break;
            case "IDENTIFY":
                Reply(client, t["NickServIdentifyUsage"]);
                break;
            default:
                foreach (var line in t["NickServHelp"].Split('\n'))
                {
                    Reply(client, line.TrimEnd('\r'));
                }

                break;
        }
    }

    private void Register(Client client, string password, string? email)
    {
        var t = _server.Text;
        string name = client.Nick!;
        if (client.Account is not null)
        {
            Reply(client, t.Format("NickServAlreadyIn", client.Account));
            return;
        }

        if (_accounts.Validate(name, password, email) is { } problem)
        {
            Reply(client, problem.Code switch
            {
                "WEAK_PASSWORD" => t.Format("NickServWeakPassword", _accounts.Options.MinPasswordLength),
                "INVALID_EMAIL" => t["NickServBadEmail"],
                _ => t.Format("NickServBadName", name),
            });
            return;
        }

        client.After(_accounts.CreateAsync(name, email, password), done =>
        {
            if (!done.IsCompletedSuccessfully)
            {
                Reply(client, t["NickServUnavailable"]);
            }
            else if (done.Result is not { } record)
            {
                Reply(client, t.Format("NickServExists", name));
            }
            else
            {
                _server.Log.AccountRegistered(record.Name, client.NickOrStar);
                Reply(client, t.Format("NickServRegistered", record.Name));
                _accounts.LogIn(client, record, "NickServ REGISTER");
            }
        });
    }

    private void Identify(Client client, string account, string password)
    {
        var t = _server.Text;
        if (client.Account is not null)
        {
            Reply(client, t.Format("NickServAlreadyIn", client.Account));
            return;
        }

        client.After(_accounts.CheckPasswordAsync(client, account, password), done =>
        {
            if (done.IsCompletedSuccessfully && done.Result.Account is { } record)
            {
                _accounts.LogIn(client, record, "NickServ IDENTIFY");
                Reply(client, t.Format("NickServIdentified", record.Name));
            }
            else if (done.IsCompletedSuccessfully && done.Result.RetryAfter is { } wait)
            {
                _server.Log.LoginFailed(account, client.Endpoint, "NickServ IDENTIFY");
                Reply(client, t.Format("LoginThrottled", (int)Math.Ceiling(wait.TotalSeconds)));
            }
            else
            {
                _server.Log.LoginFailed(account, client.Endpoint, "NickServ IDENTIFY");
                Reply(client, t["NickServBadPassword"]);
            }
        });
    }
}
