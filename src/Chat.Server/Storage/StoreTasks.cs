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

/// <summary>
/// The outcome of one item on a store's writer, kept inside the item: the writer
/// sets <see cref="Value"/> or <see cref="Error"/> and then calls
/// <see cref="Complete"/> (or <see cref="Fail"/>), and whoever queued the item
/// awaits <see cref="Task"/>, whose continuations never run on the writer. A
/// struct, so an item (one per stored message) allocates nothing more for it.
/// </summary>
internal struct StoreResult<T>
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StoreResult()
    {
    }

    /// <summary>What the task completes with when <see cref="Error"/> is null.</summary>
    public T Value { get; set; } = default!;

    /// <summary>Set when the work failed on its own (the rest of its group went ahead).</summary>
    public Exception? Error { get; set; }

    public readonly Task<T> Task => _done.Task;

    /// <summary>Completes the task with <see cref="Error"/>, or else with <see cref="Value"/>.</summary>
    public readonly void Complete()
    {
        if (Error is not null)
        {
            _done.TrySetException(Error);
        }
        else
        {
            _done.TrySetResult(Value);
        }
    }

    /// <summary>Fails the task with <paramref name="error"/> (the whole group failed).</summary>
    public readonly void Fail(Exception error) => _done.TrySetException(error);
}
