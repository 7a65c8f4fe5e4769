using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Security;

namespace ChunkGate.LocalCluster.Admission;

/// <summary>What one write request looks like to admission (the fields of an AdmissionReview request).</summary>
internal sealed record AdmissionAttributes(
    ResourceType Type,
    string Subresource,
    string Operation,
    string Namespace,
    string Name,
    JsonObject? Object,
    JsonObject? OldObject,
    UserInfo User,
    bool DryRun,
    JsonObject Options,
    List<string> Warnings);

/// <summary>Admission plug-in chain: mutating (may return a changed object) then validating (may only deny).</summary>
internal interface IAdmissionChain
{
    /// <summary>Runs the mutating webhooks in order; returns the object to continue with.</summary>
    Task<JsonObject?> MutateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken);

    /// <summary>Runs the validating webhooks; throws an <see cref="ApiError"/> on denial.</summary>
    Task ValidateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken);
}
