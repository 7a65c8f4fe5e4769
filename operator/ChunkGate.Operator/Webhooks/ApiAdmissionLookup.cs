using ChunkGate.Api;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Resources;
using k8s;

namespace ChunkGate.Operator.Webhooks;

/// <summary><see cref="IAdmissionLookup"/> over the API server with the operator's own credentials: every read is fresh.</summary>
internal sealed class ApiAdmissionLookup(IKubernetes client) : IAdmissionLookup
{
    private readonly CustomResourceClient<DataConnection> connections = new(client, new(ApiGroup.Name, ApiGroup.Version, "dataconnections", "DataConnection", true));
    private readonly CustomResourceClient<ChunkJob> jobs = new(client, new(ApiGroup.Name, ApiGroup.Version, "chunkjobs", "ChunkJob", true));
    private readonly CustomResourceClient<ChunkApproval> approvals = new(client, new(ApiGroup.Name, ApiGroup.Version, "chunkapprovals", "ChunkApproval", true));

    public Task<DataConnection?> ConnectionAsync(string ns, string name, CancellationToken cancellationToken) =>
        !IsObjectName(name) ? Task.FromResult<DataConnection?>(null) : connections.TryGetAsync(ns, name, cancellationToken);

    public Task<ChunkJob?> JobAsync(string ns, string name, bool fresh, CancellationToken cancellationToken) =>
        !IsObjectName(name) ? Task.FromResult<ChunkJob?>(null) : jobs.TryGetAsync(ns, name, cancellationToken);

    public async Task<IReadOnlyList<string>> RunningJobsOfConnectionAsync(string ns, string connection, CancellationToken cancellationToken) =>
        [.. ((await jobs.ListAsync(ns, cancellationToken: cancellationToken)).Items ?? [])
            .Where(job => job.Spec?.ConnectionRef?.Name == connection && IsRunning(job)).Select(job => job.Metadata.Name)];

    public static bool IsRunning(ChunkJob job) => job.Status?.Phase == JobPhase.Running;

    /// <summary>
    /// Only a name an object can have is looked up: a reference is a path segment of the URL, and
    /// <c>jobRef.name: ../../other/chunkjobs/x</c> read a job in another namespace (hostile probe).
    /// </summary>
    private static bool IsObjectName(string name) => ChunkGate.Api.Validation.Identifiers.IsObjectName(name);

    public async Task<IReadOnlyList<ChunkApproval>> ApprovalsOfJobAsync(string ns, string job, CancellationToken cancellationToken) =>
        (await approvals.ListAsync(ns, cancellationToken: cancellationToken)).Items?.Where(a => a.Spec?.JobRef?.Name == job).ToList() ?? [];
}
