using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Controller.Runtime;

namespace ChunkGate.Operator.Controller.Jobs;

/// <summary>
/// Writes the uid of each run object into the job's status the moment it is created, before
/// anything depends on it (<see cref="RunObjects"/>): one small status write per object, on a copy
/// (the cached job is never modified), retried on a fresh job when the cache was behind, so a
/// created object is rarely left unrecorded (and then only deleted and created again).
/// </summary>
internal sealed class RunRecorder(ControllerClients clients, ChunkJob job)
{
    /// <summary>Older recordings drop out of status (and replay refuses them): the status stays small.</summary>
    public const int MaxKeptRecordings = 20;

    /// <summary>The job as last written.</summary>
    public ChunkJob Job { get; private set; } = job;

    /// <summary>Records <paramref name="uid"/> as the run's <paramref name="kind"/> <paramref name="name"/>; returns the run record as written.</summary>
    public async Task<RunStatus> CreatedAsync(string runId, string kind, string name, string uid, CancellationToken cancellationToken)
    {
        await WriteAsync(status =>
        {
            if (status.Run is not { } run || run.Id != runId || run.FinishedAt is not null)
            {
                throw new ConflictException($"run {runId} of {Job.Metadata.NamespaceProperty}/{Job.Metadata.Name} is no longer the live run: {kind} {name} stays unrecorded", null);
            }

            status.Run = Started(RunObjects.Recording(run, kind, name, uid));
        }, cancellationToken).ConfigureAwait(false);
        return Job.Status!.Run!;
    }

    /// <summary>
    /// Records the Pods <paramref name="names"/> as requested (<see cref="RunObjects.RequestedUid"/>)
    /// before any is created, in one write, with the Secret's uid when it was just created
    /// (<paramref name="secret"/>: one write on the run's path instead of two; the Secret is still
    /// recorded before any Pod that mounts it exists). Written on the live status (a stale cache
    /// gets 409 and the write is judged again on the fresh job): a name the live status already
    /// records was requested by an earlier reconcile, perhaps created, and is never requested again.
    /// </summary>
    public async Task<RunStatus> RequestedAsync(string runId, IReadOnlyList<string> names, (string Name, string Uid)? secret, CancellationToken cancellationToken)
    {
        await WriteAsync(status =>
        {
            if (status.Run is not { } run || run.Id != runId || run.FinishedAt is not null)
            {
                throw new ConflictException($"run {runId} of {Job.Metadata.NamespaceProperty}/{Job.Metadata.Name} is no longer the live run: its Pods are not created", null);
            }

            if (names.FirstOrDefault(name => RunObjects.RecordedUid(run, RunObjects.PodKind, name) is not null) is { } known)
            {
                throw new RunNameBusyException($"Pod {Job.Metadata.NamespaceProperty}/{known} of run {runId} was requested before (the cache was behind); the run is judged again");
            }

            var recorded = secret is { } created ? RunObjects.Recording(run, RunObjects.SecretKind, created.Name, created.Uid) : run;
            status.Run = Started(names.Aggregate(recorded, (next, name) => RunObjects.Recording(next, RunObjects.PodKind, name, RunObjects.RequestedUid)));
        }, cancellationToken).ConfigureAwait(false);
        return Job.Status!.Run!;
    }

    /// <summary>
    /// A live run's message is only ever why it has not started yet: gone in the same write that
    /// records an object of the run, so no status shows a Pod recorded beside "has not started".
    /// </summary>
    private static RunStatus Started(RunStatus run)
    {
        run.Message = null;
        return run;
    }

    public Task KeptAsync(KeptRecording kept, CancellationToken cancellationToken) =>
        WriteAsync(status => status.Recordings = Keep(status.Recordings, kept), cancellationToken);

    /// <summary>The recordings with <paramref name="kept"/> last (replacing its run's), the oldest dropped beyond <see cref="MaxKeptRecordings"/>.</summary>
    public static List<KeptRecording> Keep(IReadOnlyList<KeptRecording>? recordings, KeptRecording kept)
    {
        var others = (recordings ?? []).Where(r => r.Run != kept.Run).ToList();
        return [.. others.Skip(Math.Max(0, others.Count - (MaxKeptRecordings - 1))), kept];
    }

    private async Task WriteAsync(Action<ChunkJobStatus> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var next = ObjectCopies.Deep(Job);
            next.Status ??= new ChunkJobStatus();
            change(next.Status);
            try
            {
                Job = await clients.Jobs.ReplaceStatusAsync(next, ControllerClients.FieldManager, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ConflictException) when (attempt < 2)
            {
                Job = await clients.Jobs.TryGetAsync(Job.Metadata.NamespaceProperty, Job.Metadata.Name, cancellationToken).ConfigureAwait(false)
                    ?? throw new NotFoundException($"ChunkJob {Job.Metadata.NamespaceProperty}/{Job.Metadata.Name} is gone", null);
            }
        }
    }
}
