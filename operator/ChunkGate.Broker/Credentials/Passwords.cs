using System.Security.Cryptography;
using System.Text;

namespace ChunkGate.Broker.Credentials;

/// <summary>
/// Random passwords and their SCRAM-SHA-256 verifiers (RFC 5802/7677, the format PostgreSQL stores).
/// CREATE ROLE is sent with the verifier, so the password itself never crosses the wire in SQL
/// text and cannot reach the server's statement log.
/// </summary>
internal static class Passwords
{
    private const int Iterations = 4096;

    /// <summary>256 random bits, URL-safe base64 (no characters a connection string must escape).</summary>
    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string ScramVerifier(string password) => ScramVerifier(password, RandomNumberGenerator.GetBytes(16), Iterations);

    internal static string ScramVerifier(string password, byte[] salt, int iterations)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        CryptographicOperations.ZeroMemory(salted);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
