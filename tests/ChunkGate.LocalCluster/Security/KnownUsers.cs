using System.Security.Cryptography;

namespace ChunkGate.LocalCluster.Security;

/// <summary>The users every local cluster knows, one kubeconfig context each, with fresh random tokens per cluster.</summary>
internal static class KnownUsers
{
    public const string ArgoCdServiceAccount = "system:serviceaccount:argocd:argocd-application-controller";

    public static IReadOnlyList<ClusterUser> Create() =>
    [
        User("admin", "admin", ["system:masters", "system:authenticated"]),
        User("alice", "alice", ["chunkgate:designers", "system:authenticated"]),
        User("bob", "bob", ["chunkgate:executors", "system:authenticated"]),
        User("carol", "carol", ["chunkgate:executors", "system:authenticated"]),
        User("argocd", ArgoCdServiceAccount, ["system:serviceaccounts", "system:serviceaccounts:argocd", "system:authenticated"]),
    ];

    private static ClusterUser User(string context, string username, IReadOnlyList<string> groups) =>
        new(context, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), new UserInfo(username, Guid.NewGuid().ToString(), groups));
}
