using System.Globalization;
using System.Text.Json.Nodes;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Operator.Admission;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// ChunkApproval create, update and delete around <see cref="ApprovalAdmission"/>. The mutating
/// webhook writes the approver stamps and fills <c>jobSpecHash</c>; the validating one decides again
/// on the object as it will be stored and refuses stamps that are not the ones it would write.
/// </summary>
internal sealed class ChunkApprovalWebhook(IAdmissionLookup lookup, AdmissionSettings settings, TimeProvider clock, ApprovalReservations reservations, bool mutating) : IAdmissionWebhook
{
    /// <summary>How much earlier than this webhook's own now+ttl the mutating webhook may have stamped expiresAt.</summary>
    private static readonly TimeSpan StampSkew = TimeSpan.FromMinutes(1);

    public async Task<AdmissionReviewResponse> ReviewAsync(AdmissionReviewRequest request, CancellationToken cancellationToken)
    {
        var node = request.Operation == AdmissionOperation.Delete ? request.OldObject : request.Object;
        if (node is null)
        {
            return AdmissionReviewResponse.From(AdmissionVerdict.Allow());
        }

        if (!ReviewedObjects.TryTyped<ChunkApproval>(node, out var approval, out var wrongType))
        {
            return AdmissionReviewResponse.From(AdmissionVerdict.Deny($"ChunkApproval {request.Namespace}/{request.ObjectName} is invalid: {wrongType}"));
        }

        var spec = approval.Spec;
        var jobName = spec.JobRef?.Name ?? "";
        var job = await lookup.JobAsync(request.Namespace, jobName, fresh: false, cancellationToken);
        if (job is not null && !string.IsNullOrEmpty(spec.JobSpecHash) && spec.JobSpecHash != ChunkGate.Api.Hashing.SpecHash.Of(job))
        {
            // A cached job may lag a spec change just made: the executor may have reviewed the newer one.
            job = await lookup.JobAsync(request.Namespace, jobName, fresh: true, cancellationToken);
        }

        var approved = job is null
            ? null
            : new ApprovedJob(job.Metadata.Name, job.Metadata.Annotations?.TryGetValue(AdmissionAnnotations.Designer, out var d) == true ? d : null, ChunkGate.Api.Hashing.SpecHash.Of(job), job.Spec.ConnectionRef?.Name ?? "", job.Metadata.Uid ?? "");
        var connection = approved is null || request.Operation != AdmissionOperation.Create
            ? null
            : await lookup.ConnectionAsync(request.Namespace, approved.ConnectionName, cancellationToken);
        var existing = request.Operation == AdmissionOperation.Create && approved is not null
            ? (await lookup.ApprovalsOfJobAsync(request.Namespace, approved.Name, cancellationToken))
                // One being deleted is withdrawn (the controller never counts it), however long a finalizer holds it.
                .Where(a => a.Metadata.Name != request.ObjectName && a.Metadata.DeletionTimestamp is null)
                .Select(a => new ExistingApproval(a.Metadata.Name, a.Spec.Approver, a.Spec.JobUid, a.Spec.JobSpecHash, a.Spec.ExpiresAt, a.Status?.Phase == ApprovalPhase.Consumed || a.Status?.ConsumedBy is not null))
                .ToList()
            : [];

        // Whole seconds: expiresAt is written as RFC 3339 without fractions and must never exceed now + ttl.
        var now = TruncateToSeconds(clock.GetUtcNow());
        var admission = new ApprovalAdmissionRequest(
            request.Operation,
            request.User,
            request.Namespace,
            request.ObjectName,
            spec,
            approved,
            connection?.Spec,
            existing,
            request.Operation == AdmissionOperation.Update && !ReviewedObjects.SameJson(request.OldObject?["spec"], node["spec"]));
        var decision = ApprovalAdmission.Decide(admission, settings, now);
        if (!decision.Verdict.Allowed || decision.Stamps is not { } stamps)
        {
            return AdmissionReviewResponse.From(decision.Verdict);
        }

        if (mutating)
        {
            // The mutating webhook is the first to see a create: it reserves, so a second create racing this one is denied.
            var name = node["metadata"]?["name"] is JsonValue named && named.TryGetValue<string>(out var n) && n.Length > 0 ? n : null;
            if (reservations.Reserve(request.Namespace, approved!.Name, stamps.JobUid, stamps.Approver, stamps.JobSpecHash, name, stamps.ExpiresAt, request.DryRun) is { } holder)
            {
                return AdmissionReviewResponse.From(ApprovalAdmission.Decide(admission with { Existing = [.. existing, holder] }, settings, now).Verdict);
            }

            var stamped = (JsonObject)node.DeepClone();
            if (stamped["spec"] is not JsonObject stampedSpec)
            {
                stamped["spec"] = stampedSpec = [];
            }

            stampedSpec["approver"] = stamps.Approver;
            stampedSpec["approverGroups"] = new JsonArray([.. stamps.ApproverGroups.Select(g => (JsonNode)g)]);
            stampedSpec["expiresAt"] = Rfc3339(stamps.ExpiresAt);
            stampedSpec["jobSpecHash"] = stamps.JobSpecHash;
            stampedSpec["jobUid"] = stamps.JobUid;
            if (stamped["metadata"] is not JsonObject metadata)
            {
                stamped["metadata"] = metadata = [];
            }

            metadata["ownerReferences"] = OwnedByJob(metadata["ownerReferences"], approved.Name, stamps.JobUid);
            return AdmissionReviewResponse.From(AdmissionVerdict.Allow(), JsonPatchDiff.Diff(request.Object, stamped));
        }

        var forged = StampMismatch(spec, stamps);
        return forged is null
            ? AdmissionReviewResponse.From(decision.Verdict)
            : AdmissionReviewResponse.From(AdmissionVerdict.Deny(
                $"spec.{forged} of ChunkApproval {request.Namespace}/{request.ObjectName} is stamped by ChunkGate and does not match what it would stamp for {request.User.Username}"));
    }

    private static string? StampMismatch(ChunkApprovalSpec spec, ApprovalStamps stamps)
    {
        if (spec.Approver != stamps.Approver)
        {
            return "approver";
        }

        if (!(spec.ApproverGroups ?? []).SequenceEqual(stamps.ApproverGroups, StringComparer.Ordinal))
        {
            return "approverGroups";
        }

        if (spec.JobSpecHash != stamps.JobSpecHash)
        {
            return "jobSpecHash";
        }

        if (spec.JobUid != stamps.JobUid)
        {
            return "jobUid";
        }

        return spec.ExpiresAt is { } expires && expires <= stamps.ExpiresAt && expires >= stamps.ExpiresAt - StampSkew ? null : "expiresAt";
    }

    /// <summary>
    /// The approval goes with the job it approves: Kubernetes' garbage collector deletes it once that job
    /// (this uid) is gone, so no approval of a job deleted and created again under the same name lingers.
    /// No blockOwnerDeletion: it would need rights on the job's finalizers, and the job holds its own finalizer.
    /// </summary>
    private static JsonArray OwnedByJob(JsonNode? requested, string job, string uid)
    {
        var others = (requested as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(owner => !(owner["kind"] is JsonValue kind && kind.TryGetValue<string>(out var k) && k == "ChunkJob"))
            .Select(owner => owner.DeepClone());
        return [.. others, new JsonObject { ["apiVersion"] = Api.ApiGroup.ApiVersion, ["kind"] = "ChunkJob", ["name"] = job, ["uid"] = uid }];
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
