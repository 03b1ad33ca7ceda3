namespace Chat.Server.Configuration;

/// <summary>
/// A configuration that cannot be used. <see cref="Exception.Message"/> is one
/// line naming where the value came from (the file, an environment variable or
/// a command-line option), the key and the problem, ready for standard error.
/// </summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
