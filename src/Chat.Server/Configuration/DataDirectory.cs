namespace Chat.Server.Configuration;

/// <summary>Where the server keeps its files (the self-signed certificate; later the history store).</summary>
public static class DataDirectory
{
    /// <summary>$XDG_DATA_HOME/chat, or ~/.local/share/chat, as the XDG base directory spec says.</summary>
    public static string Default()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        string root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "chat");
    }
}
