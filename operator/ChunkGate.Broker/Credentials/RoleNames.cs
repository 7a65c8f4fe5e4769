using System.Security.Cryptography;
using System.Text;

namespace ChunkGate.Broker.Credentials;

/// <summary>
/// Role names derived from the job's uid and the run, so a broker that crashed after CREATE ROLE
/// finds the same role on retry. Every ChunkGate role starts with <see cref="Prefix"/>: the sweep
/// reports (never drops) roles with it that the ledger does not know.
/// </summary>
public static class RoleNames
{
    public const string Prefix = "chunkgate_run_";

    public static string For(string jobUid, int run)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{jobUid}\n{run}"));
        return Prefix + Convert.ToHexStringLower(digest.AsSpan(0, 12));
    }

    /// <summary>The transform action's scratch schema: one per role, named like it.</summary>
    public static string ScratchSchema(string role) => role;
}
