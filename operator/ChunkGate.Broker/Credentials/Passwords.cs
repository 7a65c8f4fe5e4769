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
    // The iteration count makes guessing a password from a stolen verifier slow. Guessing 256
    // random bits is out of reach at any count, so one round is as strong here as 4096 (RFC 7677's
    // advice, made for passwords people choose). It is also what PostgreSQL spends on CREATE and
    // ALTER ROLE, which derive the key again to refuse a verifier of the empty password: 4096 rounds
    // were 7.5 ms of the server's CPU per issue, most of an issue's server time.
    private const int Iterations = 1;

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
