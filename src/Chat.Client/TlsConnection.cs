using System.Net.Security;
using System.Net.Sockets;
using Chat.Core.Transport;

namespace Chat.Client;

/// <summary>The client side of IRC over TLS: the handshake, then the same <see cref="LineConnection"/> as over TCP.</summary>
internal static class TlsConnection
{
    public static async Task<LineConnection> OpenAsync(Socket socket, string host, ClientTls tls, TimeSpan timeout, CancellationToken cancel)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint;
        string? refusal = null;
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(timeout);
        try
        {
            await stream.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) => tls.Validate(certificate, errors, out refusal),
                },
                limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (refusal is not null)
            {
                throw new CertificateRejectedException(refusal);
            }

            if (ex is OperationCanceledException && !cancel.IsCancellationRequested)
            {
                throw new TimeoutException($"No TLS handshake within {timeout.TotalSeconds:0} seconds");
            }

            throw;
        }

        return new LineConnection(stream, remote);
    }
}
