using System.Security.Cryptography;
using System.Text;

namespace ChunkGate.Sidecar.Upstream;

/// <summary>
/// The client side of SCRAM-SHA-256 (RFC 5802/7677) as PostgreSQL uses it: no channel binding
/// (gs2 header "n,,"), an empty user name (the server takes the startup user), and the server
/// signature verified so a server that does not know the password cannot impersonate the database.
/// </summary>
internal sealed class ScramSha256Client
{
    public const string Mechanism = "SCRAM-SHA-256";

    private readonly string password;
    private readonly string clientNonce;
    private readonly string userName;
    private string? authMessage;
    private byte[]? saltedPassword;

    /// <param name="userName">Sent in the client-first message; PostgreSQL ignores it and uses the startup user, so empty by default.</param>
    public ScramSha256Client(string password, string? clientNonce = null, string userName = "")
    {
        this.password = password;
        this.userName = userName;
        this.clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    }

    private string ClientFirstBare => "n=" + userName + ",r=" + clientNonce;

    public byte[] ClientFirstMessage() => Encoding.UTF8.GetBytes("n,," + ClientFirstBare);

    /// <summary>Returns the client-final message, or an error when the server-first message is unacceptable.</summary>
    public (byte[]? Message, string? Error) ClientFinalMessage(ReadOnlySpan<byte> serverFirst)
    {
        var serverFirstText = Encoding.UTF8.GetString(serverFirst);
        string? nonce = null;
        string? salt = null;
        var iterations = 0;
        foreach (var part in serverFirstText.Split(','))
        {
            if (part.StartsWith("r=", StringComparison.Ordinal))
            {
                nonce = part[2..];
            }
            else if (part.StartsWith("s=", StringComparison.Ordinal))
            {
                salt = part[2..];
            }
            else if (part.StartsWith("i=", StringComparison.Ordinal) && int.TryParse(part.AsSpan(2), out var parsed))
            {
                iterations = parsed;
            }
        }

        if (nonce is null || salt is null || iterations <= 0 || !nonce.StartsWith(clientNonce, StringComparison.Ordinal) || nonce.Length == clientNonce.Length)
        {
            return (null, "the server's SCRAM challenge is malformed");
        }

        byte[] saltBytes;
        try
        {
            saltBytes = Convert.FromBase64String(salt);
        }
        catch (FormatException)
        {
            return (null, "the server's SCRAM salt is not base64");
        }

        saltedPassword = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), saltBytes, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var finalWithoutProof = "c=biws,r=" + nonce;
        authMessage = ClientFirstBare + "," + serverFirstText + "," + finalWithoutProof;
        var clientSignature = HMACSHA256.HashData(storedKey, Encoding.UTF8.GetBytes(authMessage));
        for (var i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= clientSignature[i];
        }

        return (Encoding.UTF8.GetBytes(finalWithoutProof + ",p=" + Convert.ToBase64String(clientKey)), null);
    }

    /// <summary>True when the server proved it knows the password.</summary>
    public bool VerifyServerFinal(ReadOnlySpan<byte> serverFinal)
    {
        if (saltedPassword is null || authMessage is null)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(serverFinal);
        if (!text.StartsWith("v=", StringComparison.Ordinal))
        {
            return false;
        }

        var comma = text.IndexOf(',', StringComparison.Ordinal);
        var signatureText = comma < 0 ? text[2..] : text[2..comma];
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText);
        }
        catch (FormatException)
        {
            return false;
        }

        var serverKey = HMACSHA256.HashData(saltedPassword, "Server Key"u8);
        var expected = HMACSHA256.HashData(serverKey, Encoding.UTF8.GetBytes(authMessage));
        return CryptographicOperations.FixedTimeEquals(expected, signature);
    }
}
