using System.Globalization;
using System.Resources;

namespace Chat.Client.Resources;

/// <summary>The client's texts in one language, from ClientText.resx (English) and ClientText.es.resx (Spanish).</summary>
public sealed class ClientText
{
    private static readonly ResourceManager Manager =
        new("Chat.Client.Resources.ClientText", typeof(ClientText).Assembly);

    public ClientText(CultureInfo culture)
    {
        Culture = culture;
    }

    public CultureInfo Culture { get; }

    public string this[string name] =>
        Manager.GetString(name, Culture) ?? throw new InvalidOperationException($"No client text named {name}.");

    public string Format(string name, params object[] args) => string.Format(Culture, this[name], args);
}
