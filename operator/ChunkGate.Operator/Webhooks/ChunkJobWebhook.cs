using System.Text.Json.Nodes;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Validation;
using ChunkGate.Operator.Admission;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// ChunkJob create and update around <see cref="JobAdmission"/>. The mutating webhook writes the
/// designer stamp; the validating one (which sees the object after every mutating webhook) checks the
/// stamp is still the one decided and reports the warnings, so kubectl prints each once.
/// </summary>
internal sealed class ChunkJobWebhook(IAdmissionLookup lookup, AdmissionSettings settings, bool mutating) : IAdmissionWebhook
{
    public async Task<AdmissionReviewResponse> ReviewAsync(AdmissionReviewRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation == AdmissionOperation.Delete || request.Object is not { } node)
        {
            return AdmissionReviewResponse.From(AdmissionVerdict.Allow());
        }

        if (!ReviewedObjects.TryTyped<ChunkJob>(node, out var job, out var wrongType))
        {
            return AdmissionReviewResponse.From(AdmissionVerdict.Deny($"ChunkJob {request.Namespace}/{request.ObjectName} is invalid: {wrongType}"));
        }

        var oldDesigner = ReviewedObjects.Designer(request.OldObject);
        var designerAnnotation = ReviewedObjects.Designer(node);
        if (request.Operation == AdmissionOperation.Update && designerAnnotation is null && oldDesigner is not null && mutating)
        {
            // A manifest re-applied without the stamp (replace, server-side apply) keeps it: absent is not a change.
            node = ReviewedObjects.WithDesigner(node, oldDesigner);
            designerAnnotation = oldDesigner;
        }

        var connection = await lookup.ConnectionAsync(request.Namespace, job.Spec.ConnectionRef?.Name ?? "", cancellationToken);
        var decision = JobAdmission.Decide(
            new JobAdmissionRequest(
                request.Operation,
                request.User,
                request.Namespace,
                request.ObjectName,
                job.Spec,
                // Only an update compares hashes; hashing is a fair share of a create's CPU.
                request.Operation == AdmissionOperation.Update ? ReviewedObjects.SpecHashOf(node) : null,
                designerAnnotation,
                connection?.Spec,
                request.OldObject is null ? null : ReviewedObjects.SpecHashOf(request.OldObject),
                oldDesigner),
            settings,
            MaskedTables(connection?.Spec));
        if (!decision.Verdict.Allowed || decision.Designer is not { } designer)
        {
            return AdmissionReviewResponse.From(decision.Verdict);
        }

        if (mutating)
        {
            var stamped = ReviewedObjects.WithDesigner(node, designer);
            return AdmissionReviewResponse.From(AdmissionVerdict.Allow(), JsonPatchDiff.Diff(request.Object, stamped));
        }

        return designerAnnotation == designer
            ? AdmissionReviewResponse.From(decision.Verdict)
            : AdmissionReviewResponse.From(AdmissionVerdict.Deny(
                $"the {AdmissionAnnotations.Designer} annotation of {request.Namespace}/{request.ObjectName} must be {designer}, as ChunkGate stamps it, not {designerAnnotation ?? "absent"}"));
    }

    /// <summary>The schema.table of every masked column (for the warning about schema-qualified names).</summary>
    private static List<string> MaskedTables(DataConnectionSpec? connection) =>
        (connection?.Masking?.Columns ?? [])
            .Select(mask => Identifiers.TryParseQualified(mask.Column, 3, out var names) ? $"{names[0]}.{names[1]}" : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
