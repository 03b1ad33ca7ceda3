using System.Net;
using System.Text.RegularExpressions;
using Chat.Tests.Shared;

namespace Chat.Tests;

/// <summary>`chat serve --web-port --tls-self-signed` and `chat join --tls` as real processes.</summary>
public sealed partial class WebAndTlsTests
{
    [Fact]
    public async Task Serve_with_a_self_signed_certificate_serves_TLS_and_HTTPS_and_join_checks_the_certificate()
    {
        using var data = new TempFolder();
        string fingerprint;
        using (var server = await ServerProcess.StartAsync("--web-port", "0", "--tls-self-signed", "--tls-port", "0", "--data-dir", data.Path))
        {
            Assert.Contains(server.Process.Output, l => l.StartsWith("Created a self-signed certificate", StringComparison.Ordinal));
            fingerprint = server.Process.Output.Single(l => l.StartsWith("SHA-256 fingerprint: ", StringComparison.Ordinal))["SHA-256 fingerprint: ".Length..];
            string web = await server.Process.WaitForLineAsync(l => l.Contains("Web client at https://127.0.0.1:", StringComparison.Ordinal));
            string tlsLine = await server.Process.WaitForLineAsync(l => l.EndsWith("(TLS)", StringComparison.Ordinal));
            int tlsPort = int.Parse(TlsPort().Match(tlsLine).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

            string url = UrlPattern().Match(web).Value;
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
            using var page = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.True(page.Headers.Contains("Content-Security-Policy"));

            string port = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var refused = ChatProcess.StartChat("join", "--tls", "--port", port, "--alias", "Juan");
            Assert.Equal(1, await refused.WaitForExitAsync());
            string error = Assert.Single(refused.Errors, l => l.Length > 0);
            Assert.Equal($"Could not connect to the server at 127.0.0.1:{port}: the server's certificate is not trusted (RemoteCertificateChainErrors). Use --insecure to connect anyway.", error);

            using var pinned = ChatProcess.StartChat("join", "--tls-fingerprint", fingerprint, "--port", port, "--alias", "Eva");
            await pinned.WaitForLineAsync(l => l.Contains("Eva", StringComparison.Ordinal));
            pinned.CloseInput();
            Assert.Equal(0, await pinned.WaitForExitAsync());

            using var insecure = ChatProcess.StartChat("join", "--tls", "--insecure", "--port", port, "--alias", "Ana");
            await insecure.WaitForLineAsync(l => l.Contains("Ana", StringComparison.Ordinal));
            Assert.Contains(insecure.Errors, l => l.Contains("--insecure", StringComparison.Ordinal));
            insecure.CloseInput();
            Assert.Equal(0, await insecure.WaitForExitAsync());
        }

        using var again = await ServerProcess.StartAsync("--tls-self-signed", "--tls-port", "0", "--data-dir", data.Path);
        Assert.Contains(again.Process.Output, l => l.StartsWith("Using the self-signed certificate", StringComparison.Ordinal));
        Assert.Contains("SHA-256 fingerprint: " + fingerprint, again.Process.Output);
    }

    [GeneratedRegex(@":(\d+) \(TLS\)$")]
    private static partial Regex TlsPort();

    [GeneratedRegex(@"https://127\.0\.0\.1:\d+/")]
    private static partial Regex UrlPattern();
}
