namespace Chat.Server.Storage;

/// <summary>
/// The store cannot be opened: the database is unreachable, refuses the login or
/// cannot be migrated. <see cref="Exception.Message"/> is one line naming the
/// database (never its password), ready for standard error.
/// </summary>
public sealed class StoreUnavailableException : IOException
{
    public StoreUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
