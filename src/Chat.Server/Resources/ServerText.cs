using System.Globalization;
using System.Resources;

namespace Chat.Server.Resources;

/// <summary>
/// The server's user-facing and console texts in one language, from
/// ServerText.resx (English) and ServerText.es.resx (Spanish).
/// </summary>
public sealed class ServerText
{
    /// <summary>Where the texts come from (ServerText.resx and its translations).</summary>
    internal static readonly ResourceManager Manager =
        new("Chat.Server.Resources.ServerText", typeof(ServerText).Assembly);

    public ServerText(CultureInfo culture)
    {
        Culture = culture;
    }

    public CultureInfo Culture { get; }

    /// <summary>The text named <paramref name="name"/>; a missing name is a bug and throws.</summary>
    public string this[string name] =>
        Manager.GetString(name, Culture) ?? throw new InvalidOperationException($"No server text named {name}.");

    /// <summary>The text named <paramref name="name"/> with {0}, {1}... filled in.</summary>
    public string Format(string name, params object[] args) => string.Format(Culture, this[name], args);
}
