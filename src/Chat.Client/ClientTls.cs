using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Chat.Client;

/// <summary>`chat join --tls`: how the server's certificate is checked.</summary>
public sealed record ClientTls
{
    /// <summary>Accept any certificate (--insecure): encrypted, but anyone in between could read it.</summary>
    public bool Insecure { get; init; }

    /// <summary>Accept exactly the certificate with this SHA-256 fingerprint (hex, colons optional), trusted or not.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The certificate check of <see cref="SslStream"/>; remembers why a certificate was refused.</summary>
    internal bool Validate(X509Certificate? certificate, SslPolicyErrors errors, out string? refusal)
    {
        refusal = null;
        if (Insecure)
        {
            return true;
        }

        if (Fingerprint is { } pinned)
        {
            string expected = Normalize(pinned);
            string actual = certificate is null ? "" : Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
            if (actual.Equals(expected, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            refusal = "fingerprint";
            return false;
        }

        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        refusal = errors.ToString();
        return false;
    }

    public static string Normalize(string fingerprint) =>
        fingerprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Trim();
}

/// <summary>The server's certificate was refused: <see cref="Problem"/> is SslPolicyErrors' name, or "fingerprint".</summary>
public sealed class CertificateRejectedException(string problem)
    : Exception($"the server's certificate was refused ({problem})")
{
    public string Problem { get; } = problem;
}
