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
    public Task AcceptAsync(Stream stream, EndPoint? remoteEndPoint, bool secure, bool webSocket)
    {
        var connection = new LineConnection(stream, remoteEndPoint, Options.Connection);
        return RunSessionAsync(connection, secure, webSocket);
    }

    private void StartTlsListener()
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
        _tlsAcceptLoop = Task.Run(() => AcceptLoopAsync(listener, secure: true));
    }

    /// <summary>The TLS handshake, bounded in time, then the same session as over TCP.</summary>
    private async Task RunTlsSessionAsync(Socket socket)
    {
        await Task.Yield();
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint;
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
                return;
            }
        }

        var connection = new LineConnection(tls, remote, Options.Connection);
        await RunSessionAsync(connection, secure: true, webSocket: false).ConfigureAwait(false);
    }
}
