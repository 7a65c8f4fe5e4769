using ChunkGate.Operator.Admission;

namespace ChunkGate.Operator.Webhooks;

/// <summary>One webhook as both Kestrel (path) and the API server (name, resources, operations) know it.</summary>
internal sealed record WebhookRoute(string Name, string Path, bool Mutating, IReadOnlyList<string> Resources, IReadOnlyList<string> Operations, IAdmissionWebhook Webhook)
{
    /// <summary>Every ChunkGate webhook: the one list the HTTP endpoints and the webhook configurations are built from.</summary>
    public static IReadOnlyList<WebhookRoute> All(IAdmissionLookup lookup, AdmissionSettings settings, TimeProvider clock, ApprovalReservations reservations) =>
    [
        new("chunkjobs.mutate.chunkgate.io", "/mutate/chunkjobs", true, ["chunkjobs"], ["CREATE", "UPDATE"], new ChunkJobWebhook(lookup, settings, mutating: true)),
        new("chunkapprovals.mutate.chunkgate.io", "/mutate/chunkapprovals", true, ["chunkapprovals"], ["CREATE"], new ChunkApprovalWebhook(lookup, settings, clock, reservations, mutating: true)),
        new("chunkjobs.validate.chunkgate.io", "/validate/chunkjobs", false, ["chunkjobs"], ["CREATE", "UPDATE"], new ChunkJobWebhook(lookup, settings, mutating: false)),
        new("chunkapprovals.validate.chunkgate.io", "/validate/chunkapprovals", false, ["chunkapprovals"], ["CREATE", "UPDATE", "DELETE"], new ChunkApprovalWebhook(lookup, settings, clock, reservations, mutating: false)),
        new("dataconnections.validate.chunkgate.io", "/validate/dataconnections", false, ["dataconnections"], ["CREATE", "UPDATE", "DELETE"], new DataConnectionWebhook(lookup, settings)),
        new("status.validate.chunkgate.io", "/validate/status", false, ["chunkjobs/status", "chunkapprovals/status", "dataconnections/status"], ["UPDATE"], new StatusWebhook(settings)),
    ];
}
