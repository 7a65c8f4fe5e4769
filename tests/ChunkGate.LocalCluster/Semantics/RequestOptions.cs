using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Security;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>Per-request write options (query parameters and identity) and the warnings to send back.</summary>
internal sealed record RequestOptions(UserInfo User, bool DryRun, string FieldValidation, string FieldManager)
{
    public List<string> Warnings { get; } = [];

    public JsonObject ToAdmissionOptions(string kind)
    {
        var options = new JsonObject { ["kind"] = kind, ["apiVersion"] = "meta.k8s.io/v1" };
        if (kind != "DeleteOptions" && FieldManager.Length > 0)
        {
            options["fieldManager"] = FieldManager;
        }

        if (DryRun)
        {
            options["dryRun"] = new JsonArray("All");
        }

        return options;
    }

    public static RequestOptions System(string manager) => new(UserInfo.System, false, "Ignore", manager);
}

/// <summary>The body (or query) of a DELETE: propagation, grace period and preconditions.</summary>
internal sealed record DeleteRequest(string? PropagationPolicy, long? GracePeriodSeconds, string? PreconditionUid, string? PreconditionResourceVersion);
