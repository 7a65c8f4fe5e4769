using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Validation;
using ChunkGate.Operator.Admission;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// DataConnection create, update and delete: only by admins (<see cref="ConnectionAdmission"/>);
/// <see cref="DataConnectionValidator"/>, and a warning naming the
/// live runs when masking or caps change (a run keeps the policy it started with until it ends).
/// Live runs are the ChunkJobs of this connection whose status phase (written by the controller) is Running.
/// </summary>
internal sealed class DataConnectionWebhook(IAdmissionLookup lookup, AdmissionSettings settings) : IAdmissionWebhook
{
    public async Task<AdmissionReviewResponse> ReviewAsync(AdmissionReviewRequest request, CancellationToken cancellationToken)
    {
        var who = ConnectionAdmission.Decide(request.Operation, request.User, settings, request.Namespace, request.ObjectName);
        if (!who.Allowed || request.Operation == AdmissionOperation.Delete || request.Object is not { } node)
        {
            return AdmissionReviewResponse.From(who);
        }

        if (!ReviewedObjects.TryTyped<DataConnection>(node, out var connection, out var wrongType))
        {
            return AdmissionReviewResponse.From(AdmissionVerdict.Deny($"DataConnection {request.Namespace}/{request.ObjectName} is invalid: {wrongType}"));
        }

        var validation = DataConnectionValidator.Validate(connection);
        var name = $"{request.Namespace}/{request.ObjectName}";
        if (!validation.IsValid)
        {
            return AdmissionReviewResponse.From(AdmissionVerdict.Deny($"DataConnection {name} is invalid: {validation.ErrorSummary}"));
        }

        var warnings = validation.Warnings.Select(w => $"{w.Path}: {w.Message}").ToList();
        if (request.OldObject is { } old && PolicyChanged(old["spec"], node["spec"]))
        {
            var live = (await lookup.RunningJobsOfConnectionAsync(request.Namespace, request.ObjectName, cancellationToken))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (live.Count > 0)
            {
                warnings.Add($"masking or caps of DataConnection {name} changed while {live.Count} run(s) are live ({string.Join(", ", live)}); they keep the rules they started with until they end");
            }
        }

        return AdmissionReviewResponse.From(AdmissionVerdict.Allow(warnings));
    }

    private static bool PolicyChanged(System.Text.Json.Nodes.JsonNode? before, System.Text.Json.Nodes.JsonNode? after) =>
        new[] { "masking", "maxTTL", "allowedActions", "requiredApprovals" }
            .Any(field => !ReviewedObjects.SameJson(before?[field], after?[field]));
}
