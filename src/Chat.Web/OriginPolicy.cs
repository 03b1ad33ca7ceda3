using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Chat.Web;

/// <summary>
/// Which web pages may open the WebSocket: the server's own pages (its address
/// and names on the web port) and the origins configured besides. A browser
/// always sends Origin, so a page elsewhere cannot use a visitor's browser to
/// talk to the server; clients that are not browsers send none and are let in,
/// as they could connect over TCP anyway.
/// </summary>
public sealed class OriginPolicy
{
    private readonly HashSet<string> _allowed = new(StringComparer.OrdinalIgnoreCase);

    public OriginPolicy(IEnumerable<string> extra)
    {
        foreach (string origin in extra)
        {
            if (Normalize(origin) is { } normal)
            {
                _allowed.Add(normal);
            }
        }
    }

    public IReadOnlyCollection<string> Allowed => _allowed;

    /// <summary>Adds the origins a browser uses for pages served from <paramref name="host"/>:<paramref name="port"/>.</summary>
    public void AddOwn(IPAddress host, int port, bool https)
    {
        string scheme = https ? "https" : "http";
        var names = new List<string> { "localhost", "127.0.0.1", "[::1]" };
        if (host.Equals(IPAddress.Any) || host.Equals(IPAddress.IPv6Any))
        {
            try
            {
                names.Add(Dns.GetHostName());
                foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                {
                    names.AddRange(nic.GetIPProperties().UnicastAddresses.Select(a => Format(a.Address)));
                }
            }
            catch (Exception ex) when (ex is SocketException or NetworkInformationException)
            {
            }
        }
        else if (!IPAddress.IsLoopback(host))
        {
            names.Add(Format(host));
        }

        foreach (string name in names)
        {
            if (Normalize($"{scheme}://{name}:{port}") is { } normal)
            {
                _allowed.Add(normal);
            }
        }
    }

    /// <summary>Whether a WebSocket request with this Origin header may go on.</summary>
    public bool Allows(string? origin) =>
        string.IsNullOrEmpty(origin) || (Normalize(origin) is { } normal && _allowed.Contains(normal));

    /// <summary>scheme://host:port with the default port spelled out, or null for "null" and other non-origins.</summary>
    private static string? Normalize(string origin)
    {
        if (!Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return null;
        }

        return $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
    }

    private static string Format(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address.ScopeId = 0;
            return $"[{address}]";
        }

        return address.ToString();
    }
}
