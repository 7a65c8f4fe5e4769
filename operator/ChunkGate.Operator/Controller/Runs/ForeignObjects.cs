using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Decisions;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>
/// Frees a run's name held by an object the operator did not create (<see cref="RunObjects"/>):
/// deletes it, with a Warning Event naming kind and name, so the operator can create its own.
/// It is deleted rather than left alone because leaving it means either using it (the hole) or
/// never running; it is not repaired in place because whatever its creator wrote (settings, a
/// forged log, a fake recording) must not survive.
/// </summary>
internal sealed class ForeignObjects(AuditTrail audit)
{
    /// <summary>
    /// Returns null once the name is free; a sentence when it can never be freed by the operator
    /// (finalizers hold the object, or deleting it is forbidden): the caller ends the run with it,
    /// loudly, instead of waiting until expiry. Throws <see cref="RunNameBusyException"/> while a
    /// deleted object is still going (the retry comes with backoff).
    /// </summary>
    public async Task<string?> RemoveAsync(ChunkJob job, string runId, string kind, V1ObjectMeta found,
        Func<V1DeleteOptions, CancellationToken, Task> delete, Func<CancellationToken, Task<V1ObjectMeta?>> read, CancellationToken cancellationToken)
    {
        var what = $"{kind} {found.NamespaceProperty}/{found.Name}";
        switch (RunObjects.Judge(null, found))
        {
            case Ownership.Absent:
                return null;
            case Ownership.ForeignStuck:
                return Stuck(what, runId, found);
            case Ownership.ForeignLeaving:
                throw new RunNameBusyException($"{what} (not created by the operator) is being deleted; run {runId} waits for its name");
        }

        await audit.RecordAsync(job, new AuditEvent("ForeignObjectDeleted",
            $"{what} holds a name of run {runId} but its uid {found.Uid} is not one the operator recorded for the run (created by someone else, or by the operator just before a crash): deleted, the operator creates its own",
            Warning: true), cancellationToken).ConfigureAwait(false);
        try
        {
            // The uid precondition: never delete an object that took the name since it was judged.
            await delete(new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = found.Uid }, GracePeriodSeconds = 0 }, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
        catch (ForbiddenException forbidden)
        {
            return $"{what} holds a name of run {runId} and was not created by the operator, which may not delete it ({forbidden.Message})";
        }

        var left = await read(cancellationToken).ConfigureAwait(false);
        return left is null ? null : RunObjects.Judge(null, left) switch
        {
            Ownership.ForeignStuck => Stuck(what, runId, left),
            _ => throw new RunNameBusyException($"{what} (not created by the operator) was deleted and has not gone yet; run {runId} waits for its name"),
        };
    }

    private static string Stuck(string what, string runId, V1ObjectMeta found) =>
        $"{what} holds a name of run {runId} and was not created by the operator; it cannot be removed while finalizers {string.Join(", ", found.Finalizers ?? [])} hold it";
}

/// <summary>A run's name is still held by a foreign object on its way out: retried with backoff.</summary>
internal sealed class RunNameBusyException(string message) : Exception(message);
