using System.CommandLine;
using Chat;

var root = new RootCommand("chat: a multi-user chat that speaks IRC. `chat serve` runs the server, `chat join` the terminal client.")
{
    ServeCommand.Create(),
    JoinCommand.Create(),
    HashPasswordCommand.Create(),
    BenchCommand.Create(),
    BenchStoreCommand.Create(),
};

return await root.Parse(args).InvokeAsync(new InvocationConfiguration
{
    // Ctrl+C and SIGTERM cancel the running command's token; it then has this long to finish.
    ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
}).ConfigureAwait(false);
