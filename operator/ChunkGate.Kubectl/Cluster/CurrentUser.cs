using ChunkGate.Kubectl.Cli;
using ChunkGate.Kubernetes.Errors;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubectl.Cluster;

/// <summary>The user as the API server authenticates the kubeconfig's credentials (what the webhooks see).</summary>
internal sealed record CurrentUser(string Username, IReadOnlyList<string> Groups)
{
    public bool InAny(IEnumerable<string> groups) => groups.Any(Groups.Contains);

    /// <summary>
    /// Asks the server (authentication.k8s.io/v1 SelfSubjectReview, what <c>kubectl auth whoami</c>
    /// does): a kubeconfig names credentials, not users, and only the server maps a token, a
    /// certificate or an OIDC login to a user name and groups.
    /// </summary>
    public static async Task<CurrentUser> WhoAmIAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(
                new V1SelfSubjectReview { ApiVersion = "authentication.k8s.io/v1", Kind = "SelfSubjectReview" },
                cancellationToken: cancellationToken).Typed();
            var user = review.Status?.UserInfo;
            return user?.Username is { Length: > 0 } name
                ? new CurrentUser(name, [.. user.Groups ?? []])
                : throw new CommandFailure(ExitCodes.Error, "the cluster's SelfSubjectReview did not name a user");
        }
        catch (NotFoundException)
        {
            throw new CommandFailure(ExitCodes.Error,
                "the cluster does not serve authentication.k8s.io/v1 SelfSubjectReview (Kubernetes 1.28 and later do), so kubectl chunk cannot learn who you are");
        }
    }
}
