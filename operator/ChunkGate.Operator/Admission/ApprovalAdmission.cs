using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Durations;

namespace ChunkGate.Operator.Admission;

/// <summary>The approved job as the webhook looked it up (same namespace as the approval).</summary>
public sealed record ApprovedJob(string Name, string? Designer, string SpecHash, string ConnectionName, string Uid = "");

/// <summary>
/// Another approval naming the same job, for the one-live-approval-per-executor rule. <see cref="JobUid"/>
/// is its stamp: an approval of an earlier job of the same name (deleted and created again) is not one of this job's.
/// </summary>
public sealed record ExistingApproval(string Name, string? Approver, string? JobUid, string? JobSpecHash, DateTimeOffset? ExpiresAt, bool Consumed);

/// <summary>
/// A ChunkApproval create, update or delete as the webhook sees it. <see cref="SpecChanged"/> is the
/// adapter's comparison of the old and new spec as stored (canonical JSON), for updates.
/// </summary>
public sealed record ApprovalAdmissionRequest(
    AdmissionOperation Operation,
    UserInfo User,
    string Namespace,
    string Name,
    ChunkApprovalSpec Spec,
    ApprovedJob? Job,
    DataConnectionSpec? Connection,
    IReadOnlyList<ExistingApproval> Existing,
    bool SpecChanged = false);

/// <summary>The verdict and, for an allowed create, the stamps the mutating webhook writes over whatever the user sent.</summary>
public sealed record ApprovalAdmissionResult(AdmissionVerdict Verdict, ApprovalStamps? Stamps);

public sealed record ApprovalStamps(string Approver, IReadOnlyList<string> ApproverGroups, DateTimeOffset ExpiresAt, string JobSpecHash, string JobUid);

/// <summary>
/// Who may approve what, decided where the API server can prove identity: an executor of the job's
/// connection who did not design it, for exactly the spec they reviewed, for at most maxTTL, once.
/// </summary>
public static class ApprovalAdmission
{
    public static ApprovalAdmissionResult Decide(ApprovalAdmissionRequest request, AdmissionSettings settings, DateTimeOffset now) =>
        request.Operation switch
        {
            AdmissionOperation.Create => Create(request, now),
            AdmissionOperation.Update => request.SpecChanged
                ? Denied($"ChunkApproval {request.Namespace}/{request.Name} cannot be changed after it is created; delete it and create a new one")
                : new ApprovalAdmissionResult(AdmissionVerdict.Allow(), null),
            AdmissionOperation.Delete => Delete(request, settings),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Operation, null),
        };

    private static ApprovalAdmissionResult Create(ApprovalAdmissionRequest request, DateTimeOffset now)
    {
        var user = request.User;
        var spec = request.Spec;
        var jobName = $"{request.Namespace}/{spec.JobRef?.Name}";
        if (request.Job is not { } job)
        {
            return Denied($"ChunkJob {jobName} does not exist; an approval must name a job in its own namespace");
        }

        if (request.Connection is not { } connection)
        {
            return Denied($"DataConnection {request.Namespace}/{job.ConnectionName} of {jobName} does not exist");
        }

        if (string.IsNullOrEmpty(job.Designer))
        {
            return Denied($"{jobName} has no designer stamp, so nobody can be shown not to have designed it; it cannot be approved");
        }

        if (string.Equals(user.Username, job.Designer, StringComparison.Ordinal))
        {
            return Denied($"{user.Username} designed {jobName} and cannot approve it");
        }

        if (!user.InAny(connection.ExecutorGroups))
        {
            return Denied($"{user.Username} is not in an executor group of DataConnection {request.Namespace}/{job.ConnectionName} ({string.Join(", ", connection.ExecutorGroups)}) and cannot approve {jobName}");
        }

        if (string.IsNullOrWhiteSpace(spec.Reason))
        {
            return Denied($"an approval of {jobName} needs a reason (a ticket or a justification)");
        }

        if (!KubeDuration.TryParse(spec.Ttl, out var ttl, out var ttlError) || ttl <= TimeSpan.Zero)
        {
            return Denied($"ttl \"{spec.Ttl}\" is not a positive duration (90s, 10m, 1h30m){(ttlError is null ? "" : ": " + ttlError)}");
        }

        if (!KubeDuration.TryParse(connection.MaxTTL, out var maxTtl, out _) || ttl > maxTtl)
        {
            return Denied($"ttl {spec.Ttl} is longer than the maxTTL of DataConnection {request.Namespace}/{job.ConnectionName} ({connection.MaxTTL})");
        }

        if (!string.IsNullOrEmpty(spec.JobSpecHash) && !string.Equals(spec.JobSpecHash, job.SpecHash, StringComparison.Ordinal))
        {
            return Denied($"{jobName} changed since it was reviewed (reviewed {spec.JobSpecHash}, now {job.SpecHash}); review it again and approve the current spec");
        }

        var live = request.Existing.FirstOrDefault(a =>
            string.Equals(a.Approver, user.Username, StringComparison.Ordinal)
            && string.Equals(a.JobUid, job.Uid, StringComparison.Ordinal)
            && string.Equals(a.JobSpecHash, job.SpecHash, StringComparison.Ordinal)
            && !a.Consumed && a.ExpiresAt > now);
        if (live is not null)
        {
            return Denied($"{user.Username} already approved the current spec of {jobName} ({live.Name}, until {live.ExpiresAt:O}); one executor counts once");
        }

        return new ApprovalAdmissionResult(AdmissionVerdict.Allow(), new ApprovalStamps(user.Username, [.. user.Groups], now + ttl, job.SpecHash, job.Uid));
    }

    /// <summary>Deleting an approval revokes it early: its approver, the job's designer and admins may.</summary>
    private static ApprovalAdmissionResult Delete(ApprovalAdmissionRequest request, AdmissionSettings settings)
    {
        var user = request.User;
        var allowed = string.Equals(user.Username, request.Spec.Approver, StringComparison.Ordinal)
            || (request.Job?.Designer is { } designer && string.Equals(user.Username, designer, StringComparison.Ordinal))
            || string.Equals(user.Username, settings.OperatorIdentity, StringComparison.Ordinal)
            || user.InAny(settings.AdminGroups)
            || user.IsControlPlane;
        return allowed
            ? new ApprovalAdmissionResult(AdmissionVerdict.Allow(), null)
            : Denied($"only {request.Spec.Approver ?? "its approver"}, the job's designer or an admin may delete ChunkApproval {request.Namespace}/{request.Name}");
    }

    private static ApprovalAdmissionResult Denied(string message) => new(AdmissionVerdict.Deny(message), null);
}
