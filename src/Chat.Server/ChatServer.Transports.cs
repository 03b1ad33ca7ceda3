using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Chat.Core.Transport;

namespace Chat.Server;

/// <summary>The transports besides plain TCP: the TLS listener, and connections handed in (WebSockets).</summary>
public sealed partial class ChatServer
{
    private Socket? _tlsListener;
    private Task? _tlsAcceptLoop;

    /// <summary>Where the TLS listener listens once started (the real port when 0 was asked for), or null.</summary>
    public IPEndPoint? TlsEndPoint { get; private set; }

    /// <summary>
    /// Serves a connection that another listener accepted (the web server's
    /// WebSockets, through <see cref="WebSocketLineStream"/>): the server core
    /// treats it like any TCP client. Completes when the session has ended and the
    /// stream is disposed. <paramref name="webSocket"/> connections never start plain mode.
    /// </summary>
    public async Task AcceptAsync(Stream stream, EndPoint? remoteEndPoint, bool secure, bool webSocket)
    {
        // The same per-IP limits as plain TCP; a refused WebSocket is closed
        // after the reason, which a web client shows.
        if (Admit(remoteEndPoint, out var address) is { } refusal)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes($"ERROR :{refusal}\r\n"), limit.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
            {
            }

            return;
        }

        var connection = new LineConnection(stream, remoteEndPoint, Options.Connection);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StartSession(connection, secure, webSocket, throttled: address, ended);
        await ended.Task.ConfigureAwait(false);
    }

    private void BindTlsListener()
    {
        if (!Options.Tls.Enabled)
        {
            return;
        }

        Socket listener;
        try
        {
            listener = Bind(Options.Tls.Port);
        }
        catch
        {
            _listener?.Dispose();
            throw;
        }

        _tlsListener = listener;
        TlsEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        Log.Listening($"{FormatHost(TlsEndPoint.Address)}:{TlsEndPoint.Port} (TLS)");
    }

    /// <summary>The TLS handshake, bounded in time, then the same session as over TCP.</summary>
    private async Task RunTlsSessionAsync(Socket socket)
    {
        await Task.Yield();
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint;

        // Per-IP limits apply before the handshake costs anything.
        if (Admit(remote, out var address) is not null)
        {
            socket.Dispose();
            return;
        }

        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            limit.CancelAfter(Options.Tls.HandshakeTimeout);
            try
            {
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = Options.Tls.Certificate,
                        ClientCertificateRequired = false,
                    },
                    limit.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                Log.TlsHandshakeFailed(remote?.ToString() ?? "unknown", ex.GetBaseException().Message);
                await tls.DisposeAsync().ConfigureAwait(false);
                ReleaseThrottle(address);
                return;
            }
        }

        var connection = new LineConnection(tls, remote, Options.Connection);
        StartSession(connection, secure: true, webSocket: false, throttled: address);
    }
}
