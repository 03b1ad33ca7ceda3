using System.CommandLine;
using Chat.Server;
using Chat.Server.Storage;

namespace Chat;

/// <summary>`chat serve` options for history and accounts (the data folder itself is --data-dir, read with the configuration).</summary>
internal sealed class StoreCommandOptions
{
    private readonly Option<int> _historyDays = new("--history-days")
    {
        Description = "Delete messages older than this many days (0 keeps them forever).",
        DefaultValueFactory = _ => 0,
    };

    private readonly Option<int> _historyPerRoom = new("--history-per-room")
    {
        Description = "Keep only the newest N messages of each room or private talk (0 keeps all).",
        DefaultValueFactory = _ => 0,
    };

    private readonly Option<int> _replay = new("--replay")
    {
        Description = "Messages replayed to a client without chathistory when it joins a room.",
        DefaultValueFactory = _ => 50,
    };

    private readonly Option<bool> _fullSync = new("--full-sync")
    {
        Description = "fsync every group commit: history also survives a power loss (default: it survives the server being killed).",
    };

    private readonly Option<bool> _requireAccount = new("--require-account")
    {
        Description = "Only users logged in to an account (SASL, or REGISTER while connecting) may use the server.",
    };

    private readonly Option<string[]> _accountRooms = new("--account-room")
    {
        Description = "A room only logged-in users may join (repeatable).",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<int> _nickGrace = new("--nick-grace")
    {
        Description = "Seconds someone may use a registered nick without logging in before being renamed.",
        DefaultValueFactory = _ => 30,
    };

    public static StoreCommandOptions Create() => new();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _historyDays, _historyPerRoom, _replay, _fullSync, _requireAccount, _accountRooms, _nickGrace })
        {
            command.Options.Add(option);
        }
    }

    public ServerOptions Apply(ParseResult parse, ServerOptions options)
    {
        int days = parse.GetValue(_historyDays);
        int perRoom = parse.GetValue(_historyPerRoom);
        return options with
        {
            Store = options.Store with
            {
                MaxAge = days > 0 ? TimeSpan.FromDays(days) : null,
                MaxPerConversation = perRoom > 0 ? perRoom : null,
                ReplayOnJoin = Math.Max(0, parse.GetValue(_replay)),
                FullSync = parse.GetValue(_fullSync),
            },
            Accounts = options.Accounts with
            {
                RequireAccount = parse.GetValue(_requireAccount),
                AccountRooms = parse.GetValue(_accountRooms) ?? [],
                NickGracePeriod = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(_nickGrace))),
            },
        };
    }
}
