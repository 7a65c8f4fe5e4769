using ChunkGate.Api.Approvals;
using ChunkGate.Operator.Controller.Jobs;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Decisions;

namespace ChunkGate.Operator.Controller.Approvals;

/// <summary>
/// ChunkApproval: judged exactly as its job's decision judges it (the same observation, the same
/// <see cref="JobDecider"/>), so the approval's status and the job's run can never disagree. Writes
/// the phase and the Accepted condition when they change, with an ApprovalAccepted or
/// ApprovalRejected (and why) Event when the verdict flips. The job's own queue does the rest.
/// </summary>
internal sealed class ChunkApprovalReconciler(ControllerCaches caches, JobObserver observer, ControllerClients clients, AuditTrail audit, TimeProvider clock) : IReconciler
{
    public string Kind => "ChunkApproval";

    public async Task<ReconcileResult> ReconcileAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        var approval = caches.Approvals.Get(namespaceName, name);
        if (approval is null || approval.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var now = clock.GetUtcNow();
        var job = caches.Jobs.Get(namespaceName, approval.Spec.JobRef.Name);
        JudgedApproval? judged = null;
        if (job is not null)
        {
            var plan = JobDecider.Decide(observer.Observe(job), now);
            judged = plan.Approvals.Judged.FirstOrDefault(j => j.Approval.Name == name);
        }

        var (verdict, message) = judged is null
            ? (ApprovalVerdict.StaleSpec, $"ChunkJob {namespaceName}/{approval.Spec.JobRef.Name} does not exist")
            : (judged.Verdict, judged.Message);
        var status = ApprovalStatusBuilder.Build(approval.Status, approval.Metadata.Generation ?? 0, verdict, message, now);
        var previousAccepted = approval.Status?.Conditions?.FirstOrDefault(c => c.Type == ApprovalStatusBuilder.AcceptedCondition);
        if (!StatusEquality.Same(status, approval.Status))
        {
            approval.Status = status;
            approval = await clients.Approvals.ReplaceStatusAsync(approval, ControllerClients.FieldManager, cancellationToken).ConfigureAwait(false);
            var flipped = previousAccepted is null || previousAccepted.Reason != verdict.ToString();
            if (flipped && judged is not null && approval.Status?.ConsumedBy is null)
            {
                await audit.RecordAsync(approval, verdict == ApprovalVerdict.Valid
                    ? new AuditEvent("ApprovalAccepted", message)
                    : new AuditEvent("ApprovalRejected", message, Warning: true), cancellationToken).ConfigureAwait(false);
            }
        }

        // A valid approval turns Expired at its expiry: look again then, not before.
        var expiry = verdict == ApprovalVerdict.Valid && approval.Spec.ExpiresAt is { } at && at > now ? at : (DateTimeOffset?)null;
        return ReconcileResult.At(expiry);
    }
}
