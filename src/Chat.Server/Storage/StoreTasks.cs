namespace Chat.Server.Storage;

/// <summary>What the callers of the store do with the tasks it returns.</summary>
internal static class StoreTasks
{
    /// <summary>
    /// Why <paramref name="done"/> did not complete successfully: the store's own
    /// exception, or (cancelled, with none) an <see cref="IOException"/> with
    /// <paramref name="message"/>.
    /// </summary>
    public static Exception ErrorOf(Task done, string message) => done.Exception?.InnerException ?? new IOException(message);
}
