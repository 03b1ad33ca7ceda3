namespace Chat.Server;

/// <summary>What ADMIN answers (RPL_ADMINLOC1, RPL_ADMINLOC2, RPL_ADMINEMAIL).</summary>
public sealed record AdminInfo
{
    /// <summary>Where the server is (RPL_ADMINLOC1); null says only the server's name.</summary>
    public string? Location { get; init; }

    /// <summary>Who runs it (RPL_ADMINLOC2); null names the network.</summary>
    public string? Location2 { get; init; }

    /// <summary>How to reach the administrator (RPL_ADMINEMAIL); null says none was configured.</summary>
    public string? Email { get; init; }
}
