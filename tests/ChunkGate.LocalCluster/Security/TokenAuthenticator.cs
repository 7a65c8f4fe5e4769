using System.Security.Cryptography;
using System.Text;

namespace ChunkGate.LocalCluster.Security;

/// <summary>
/// Static token authentication (the API server's <c>--token-auth-file</c>): a bearer token maps to a
/// user and groups; anything else is anonymous and gets 401.
/// </summary>
internal sealed class TokenAuthenticator(IReadOnlyList<ClusterUser> users)
{
    public UserInfo? Authenticate(string? authorizationHeader)
    {
        const string prefix = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var presented = Encoding.UTF8.GetBytes(authorizationHeader[prefix.Length..].Trim());
        foreach (var user in users)
        {
            // Constant-time comparison: a token check must not leak how many characters matched.
            if (CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(user.Token)))
            {
                return user.Identity;
            }
        }

        return null;
    }

    /// <summary>The token file in the real format: <c>token,user,uid,"group1,group2"</c>.</summary>
    public static string TokenFile(IReadOnlyList<ClusterUser> users) =>
        string.Concat(users.Select(u => $"{u.Token},{u.Identity.Username},{u.Identity.Uid},\"{string.Join(",", u.Identity.Groups)}\"\n"));
}
