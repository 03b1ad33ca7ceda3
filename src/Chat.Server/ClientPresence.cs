namespace Chat.Server;

/// <summary>What others can ask about a client besides its names: operator status, user modes, WHO flags.</summary>
public sealed partial class Client
{
    /// <summary>User mode +o: an IRC operator (through OPER).</summary>
    public bool IsOperator
    {
        get => _isOperator;
        internal set
        {
            if (_isOperator != value)
            {
                _isOperator = value;
                Server.State.CountOperator(value);
            }
        }
    }

    private bool _isOperator;

    /// <summary>The operator block the client opered up with, for logs.</summary>
    public string? OperName { get; internal set; }

    /// <summary>The user modes as RPL_UMODEIS shows them: "+", "+i", "+o", "+io".</summary>
    public string UserModes => "+" + (Invisible ? "i" : "") + (IsOperator ? "o" : "");

    /// <summary>
    /// WHO flags without a channel prefix: H (here) or G (gone, away), then "*" for an operator.
    /// </summary>
    public string PresenceFlags => (AwayMessage is null ? "H" : "G") + (IsOperator ? "*" : "");
}
