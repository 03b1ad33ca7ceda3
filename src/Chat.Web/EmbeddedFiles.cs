using System.Reflection;
using System.Security.Cryptography;

namespace Chat.Web;

/// <summary>
/// The web client's files, embedded in this assembly under "wwwroot/": read once
/// at start, served from memory with their content type and an ETag.
/// </summary>
public sealed class EmbeddedFiles
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".json"] = "application/json; charset=utf-8",
        [".webmanifest"] = "application/manifest+json; charset=utf-8",
    };

    private readonly Dictionary<string, EmbeddedFile> _files = new(StringComparer.Ordinal);

    public EmbeddedFiles(Assembly? assembly = null)
    {
        assembly ??= typeof(EmbeddedFiles).Assembly;
        const string prefix = "wwwroot/";
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] bytes = copy.ToArray();
            string path = "/" + name[prefix.Length..].Replace('\\', '/');
            string type = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
            string etag = "\"" + Convert.ToHexString(SHA256.HashData(bytes).AsSpan(0, 8)) + "\"";
            _files[path] = new EmbeddedFile(path, bytes, type, etag);
        }
    }

    public IEnumerable<string> Paths => _files.Keys;

    /// <summary>The file at <paramref name="path"/> ("/" is /index.html), or null.</summary>
    public EmbeddedFile? Find(string path) => _files.GetValueOrDefault(path == "/" ? "/index.html" : path);
}

public sealed record EmbeddedFile(string Path, byte[] Content, string ContentType, string ETag);
