using System.Net;

namespace Chat.Server;

/// <summary>
/// The host part of a client's prefix, made from its address. Clients from the
/// same address share one string: a small table remembers the last address seen
/// in each of its slots, so memory stays bounded whatever the number of addresses.
/// </summary>
internal static class HostNames
{
    private const int Slots = 256;

    private static readonly Entry?[] Recent = new Entry?[Slots];

    public static string For(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        int slot = (address.GetHashCode() & int.MaxValue) % Slots;
        if (Volatile.Read(ref Recent[slot]) is { } recent && recent.Address.Equals(address))
        {
            return recent.Host;
        }

        string host = Format(address);
        Volatile.Write(ref Recent[slot], new Entry(address, host));
        return host;
    }

    private static string Format(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        string text = address.ToString();

        // A host may not start with ':' in a prefix ("::1" would read as a trailing parameter).
        return text.StartsWith(':') ? "0" + text : text;
    }

    private sealed record Entry(IPAddress Address, string Host);
}
