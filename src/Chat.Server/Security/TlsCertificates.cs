using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Chat.Server.Security;

/// <summary>Loads the server certificate from PEM files, or makes and keeps a self-signed one.</summary>
public static class TlsCertificates
{
    /// <summary>The self-signed certificate's files, under the data directory.</summary>
    public const string SelfSignedCertificateFile = "tls/self-signed-cert.pem";

    public const string SelfSignedKeyFile = "tls/self-signed-key.pem";

    /// <summary>
    /// A certificate and its private key from PEM files (the key may be RSA or
    /// ECDSA, PKCS#8 or PKCS#1). Throws CryptographicException or IOException.
    /// </summary>
    public static X509Certificate2 LoadPem(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);

        // An ephemeral PEM key is not usable by SslStream on every platform; a
        // PKCS#12 round trip gives the certificate a key it can always use.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// The self-signed certificate kept in <paramref name="dataDirectory"/>, made on
    /// first use (ECDSA P-256; localhost, 127.0.0.1 and ::1; valid one year) and
    /// made again when it is about to expire. <paramref name="created"/> tells which.
    /// </summary>
    public static X509Certificate2 SelfSigned(string dataDirectory, out bool created)
    {
        string certFile = Path.Combine(dataDirectory, SelfSignedCertificateFile);
        string keyFile = Path.Combine(dataDirectory, SelfSignedKeyFile);
        if (File.Exists(certFile) && File.Exists(keyFile))
        {
            var existing = LoadPem(certFile, keyFile);
            if (existing.NotAfter > DateTime.Now.AddDays(7))
            {
                created = false;
                return existing;
            }

            existing.Dispose();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(certFile)!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=chat (self-signed)", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));

        // The key is written readable by its owner only.
        var ownerOnly = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            ownerOnly.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(keyFile, ownerOnly))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        }

        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        created = true;
        return LoadPem(certFile, keyFile);
    }

    /// <summary>The SHA-256 fingerprint as colon-separated hex pairs (AB:CD:...), as browsers show it.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)).Chunk(2).Select(p => new string(p)));
}
