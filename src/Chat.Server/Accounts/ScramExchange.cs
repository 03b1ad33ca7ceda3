using System.Security.Cryptography;
using System.Text;

namespace Chat.Server.Accounts;

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677), without
/// channel binding. It needs only the stored keys, never the password.
/// </summary>
public sealed class ScramExchange
{
    private string? _clientFirstBare;
    private string? _serverFirst;
    private string? _nonce;
    private string? _gs2Header;
    private ScramCredentials? _credentials;

    /// <summary>The user name from the client's first message.</summary>
    public string? User { get; private set; }

    /// <summary>Reads "n,,n=user,r=nonce"; false when it is malformed.</summary>
    public bool ReadClientFirst(string message)
    {
        // gs2-header: "n" or "y" (no channel binding), optional "a=authzid", then the bare message.
        var parts = message.Split(',', 3);
        if (parts.Length < 3 || parts[0] is not ("n" or "y"))
        {
            return false;
        }

        _gs2Header = parts[0] + "," + parts[1] + ",";
        _clientFirstBare = parts[2];
        string? user = null, nonce = null;
        foreach (var attribute in _clientFirstBare.Split(','))
        {
            if (attribute.StartsWith("n=", StringComparison.Ordinal))
            {
                user = attribute[2..].Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
            }
            else if (attribute.StartsWith("r=", StringComparison.Ordinal))
            {
                nonce = attribute[2..];
            }
            else if (attribute.StartsWith("m=", StringComparison.Ordinal))
            {
                return false;
            }
        }

        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(nonce))
        {
            return false;
        }

        User = user;
        _nonce = nonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        return true;
    }

    /// <summary>"r=nonce,s=salt,i=iterations" for these credentials (a decoy's for an unknown user).</summary>
    public string ServerFirst(ScramCredentials credentials)
    {
        _credentials = credentials;
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(credentials.Salt)},i={credentials.Iterations}";
        return _serverFirst;
    }

    /// <summary>Checks "c=...,r=...,p=proof"; on success returns the server's final message "v=signature".</summary>
    public string? ReadClientFinal(string message)
    {
        if (_credentials is null || _serverFirst is null)
        {
            return null;
        }

        int proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return null;
        }

        string withoutProof = message[..proofAt];
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(message[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return null;
        }

        string? channelBinding = null, nonce = null;
        foreach (var attribute in withoutProof.Split(','))
        {
            if (attribute.StartsWith("c=", StringComparison.Ordinal))
            {
                channelBinding = attribute[2..];
            }
            else if (attribute.StartsWith("r=", StringComparison.Ordinal))
            {
                nonce = attribute[2..];
            }
        }

        if (nonce != _nonce || channelBinding != Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header!)) || proof.Length != AccountHashing.HashBytes)
        {
            return null;
        }

        byte[] authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        byte[] clientSignature = HMACSHA256.HashData(_credentials.StoredKey, authMessage);
        byte[] clientKey = new byte[proof.Length];
        for (int i = 0; i < proof.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), _credentials.StoredKey))
        {
            return null;
        }

        return "v=" + Convert.ToBase64String(HMACSHA256.HashData(_credentials.ServerKey, authMessage));
    }

    /// <summary>
    /// The client side, for tests and for our own client: proof for a password.
    /// Returns the client-final message and the expected server signature.
    /// </summary>
    public static (string ClientFinal, string ServerSignature) ClientProof(string password, string clientFirstBare, string serverFirst, string gs2Header = "n,,")
    {
        var fields = serverFirst.Split(',').ToDictionary(f => f[..1], f => f[2..]);
        byte[] salted = AccountHashing.Derive(password, Convert.FromBase64String(fields["s"]), int.Parse(fields["i"], System.Globalization.CultureInfo.InvariantCulture));
        byte[] clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        byte[] storedKey = SHA256.HashData(clientKey);
        byte[] serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        string withoutProof = $"c={Convert.ToBase64String(Encoding.UTF8.GetBytes(gs2Header))},r={fields["r"]}";
        byte[] authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        byte[] signature = HMACSHA256.HashData(storedKey, authMessage);
        for (int i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= signature[i];
        }

        return ($"{withoutProof},p={Convert.ToBase64String(clientKey)}", "v=" + Convert.ToBase64String(HMACSHA256.HashData(serverKey, authMessage)));
    }
}
