namespace Chat.Server.Accounts;

/// <summary>Accounts, login and nick protection.</summary>
public sealed record AccountOptions
{
    /// <summary>Refuse users who have not logged in (SASL, or REGISTER before CAP END).</summary>
    public bool RequireAccount { get; init; }

    /// <summary>Rooms only logged-in users may join.</summary>
    public IReadOnlyList<string> AccountRooms { get; init; } = [];

    /// <summary>
    /// PBKDF2-SHA256 iterations for new passwords: OWASP's 2023 advice for
    /// PBKDF2-HMAC-SHA256 is 600,000, and less is not accepted.
    /// </summary>
    public int Pbkdf2Iterations { get; init; } = AccountHashing.MinIterations;

    /// <summary>Shortest password accepted.</summary>
    public int MinPasswordLength { get; init; } = 8;

    /// <summary>How long someone may hold a registered nick without logging in before being renamed.</summary>
    public TimeSpan NickGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Failed logins allowed (per account and per address) before they are slowed.</summary>
    public int FreeFailures { get; init; } = 3;

    /// <summary>The first wait after the free failures; it doubles with each further failure.</summary>
    public TimeSpan FailureDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxFailureDelay { get; init; } = TimeSpan.FromMinutes(10);
}
