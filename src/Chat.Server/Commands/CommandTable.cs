using Chat.Core.Protocol;

namespace Chat.Server.Commands;

/// <summary>What the dispatcher checks before a handler runs.</summary>
/// <param name="MinParameters">Fewer parameters answer ERR_NEEDMOREPARAMS (461).</param>
/// <param name="BeforeRegistration">Allowed before registration; others answer ERR_NOTREGISTERED (451).</param>
public sealed record CommandSpec(string Verb, int MinParameters, bool BeforeRegistration, Action<Client, IrcMessage> Handler);

/// <summary>
/// One table of every command the server understands. The checks every
/// command shares (registration, parameter count, unknown verbs) live here
/// and nowhere else; handlers do only their own work.
/// </summary>
public sealed class CommandTable
{
    private readonly Dictionary<string, CommandSpec> _specs = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Verbs => _specs.Keys;

    public void Add(string verb, int minParameters, bool beforeRegistration, Action<Client, IrcMessage> handler) =>
        _specs.Add(verb, new CommandSpec(verb, minParameters, beforeRegistration, handler));

    public void Dispatch(Client client, IrcMessage message)
    {
        if (!_specs.TryGetValue(message.Command, out var spec))
        {
            client.SendNumeric(Numerics.ERR_UNKNOWNCOMMAND, message.Command.ToUpperInvariant(), "Unknown command");
            return;
        }

        if (!client.IsRegistered && !spec.BeforeRegistration)
        {
            client.SendNumeric(Numerics.ERR_NOTREGISTERED, "You have not registered");
            return;
        }

        if (message.Parameters.Count < spec.MinParameters)
        {
            client.SendNumeric(Numerics.ERR_NEEDMOREPARAMS, spec.Verb, "Not enough parameters");
            return;
        }

        spec.Handler(client, message);
    }
}
