using System.Security.Cryptography;
using Chat.Server.Security;

namespace Chat.Server.Configuration;

/// <summary>The TLS, web and data-directory keys: Listen:Plain, Tls:*, Web:*, Server:DataDirectory, Server:RequireTlsForLogin.</summary>
public static partial class ServerConfiguration
{
    private sealed partial class Reader
    {
        private ServerOptions ReadTls(ServerOptions options, out SelfSignedCertificate? selfSigned)
        {
            selfSigned = null;
            var tls = options.Tls;
            if (Boolean("Server:RequireTlsForLogin") is { } require)
            {
                options = options with { RequireTlsForLogin = require };
            }

            if (Boolean("Listen:Plain") is { } plain)
            {
                tls = tls with { PlainListener = plain };
            }

            if (Integer("Tls:Port", 0, 65535, "a port number") is { } port)
            {
                tls = tls with { Port = port };
            }

            string? certificate = Text("Tls:Certificate");
            string? key = Text("Tls:Key");
            bool selfSign = Boolean("Tls:SelfSigned") ?? false;
            if (selfSign && certificate is not null)
            {
                throw Fail("Tls:SelfSigned", "cannot be set together with Tls:Certificate; choose one");
            }

            if (certificate is not null || key is not null)
            {
                if (certificate is null || key is null)
                {
                    throw Fail(certificate is null ? "Tls:Key" : "Tls:Certificate", "needs Tls:Certificate and Tls:Key (PEM files) together");
                }

                string certPath = ResolvePath("Tls:Certificate", certificate);
                string keyPath = ResolvePath("Tls:Key", key);
                try
                {
                    tls = tls with { Certificate = TlsCertificates.LoadPem(certPath, keyPath) };
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
                {
                    throw Fail("Tls:Certificate", $"cannot be loaded from '{certificate}' and '{key}': {ex.Message}");
                }
            }
            else if (selfSign)
            {
                string folder = DataFolder();
                try
                {
                    var made = TlsCertificates.SelfSigned(folder, out bool created);
                    tls = tls with { Certificate = made };
                    selfSigned = new SelfSignedCertificate(
                        Path.Combine(folder, TlsCertificates.SelfSignedCertificateFile), TlsCertificates.Fingerprint(made), created);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
                {
                    throw Fail("Tls:SelfSigned", $"cannot keep a certificate in {folder}: {ex.Message}");
                }
            }

            var sts = Integer("Tls:StsDurationSeconds", 0, 31_536_000, "a number of seconds");
            if (sts is not null || selfSign)
            {
                // A self-signed certificate cannot be verified, so clients are not
                // told to insist on TLS unless the configuration says so.
                tls = tls with { StsDuration = sts is > 0 ? TimeSpan.FromSeconds(sts.Value) : null };
            }

            if (!tls.PlainListener && !tls.Enabled)
            {
                throw Fail("Listen:Plain", "can only be turned off when TLS is on (Tls:Certificate and Tls:Key, or Tls:SelfSigned)");
            }

            return options with { Tls = tls };
        }

        private WebSettings ReadWeb()
        {
            var web = new WebSettings();
            if (Integer("Web:Port", 0, 65535, "a port number") is { } port)
            {
                web = web with { Port = port };
            }

            var section = root.GetSection("Web:Origins");
            List<string> origins = [];
            if (section.Value is { } single)
            {
                // From a flag or an environment variable: several separated by commas or spaces.
                origins.AddRange(single.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries));
            }
            else
            {
                origins.AddRange(section.GetChildren().Select(c => c.Value ?? ""));
            }

            foreach (string origin in origins)
            {
                if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                    || uri.AbsolutePath != "/" || origin.EndsWith('/') || uri.Query.Length > 0)
                {
                    throw Fail("Web:Origins", $"must be origins such as https://chat.example.org or http://localhost:8080, not '{origin}'");
                }
            }

            return web with { Origins = origins };
        }

        /// <summary>Server:DataDirectory (--data-dir), or the XDG default.</summary>
        private string DataFolder()
        {
            string? folder = Text("Server:DataDirectory");
            return string.IsNullOrEmpty(folder) ? DataDirectory.Default() : ResolvePath("Server:DataDirectory", folder);
        }

        private bool? Boolean(string key)
        {
            string? text = Text(key);
            if (text is null)
            {
                return null;
            }

            return bool.TryParse(text, out bool value) ? value : throw Fail(key, $"must be true or false, not '{text}'");
        }
    }
}
