using System.Security.Cryptography;

namespace ChunkGate.LocalCluster.Security;

/// <summary>The users every local cluster knows, one kubeconfig context each, with fresh random tokens per cluster.</summary>
internal static class KnownUsers
{
    public const string ArgoCdServiceAccount = "system:serviceaccount:argocd:argocd-application-controller";

    /// <summary>The ChunkGate operator's service account (its default <c>--operator-identity</c>), the only writer of ChunkGate status.</summary>
    public const string OperatorServiceAccount = "system:serviceaccount:chunkgate-system:chunkgate-operator";

    public static IReadOnlyList<ClusterUser> Create() =>
    [
        User("admin", "admin", ["system:masters", "system:authenticated"]),
        User("alice", "alice", ["chunkgate:designers", "system:authenticated"]),
        User("bob", "bob", ["chunkgate:executors", "system:authenticated"]),
        User("carol", "carol", ["chunkgate:executors", "system:authenticated"]),
        User("argocd", ArgoCdServiceAccount, ["system:serviceaccounts", "system:serviceaccounts:argocd", "system:authenticated"]),
        User("operator", OperatorServiceAccount, ["system:serviceaccounts", "system:serviceaccounts:chunkgate-system", "system:authenticated"]),
    ];

    private static ClusterUser User(string context, string username, IReadOnlyList<string> groups) =>
        new(context, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), new UserInfo(username, Guid.NewGuid().ToString(), groups));
}
