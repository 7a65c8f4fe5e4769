using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.Operator.Admission;

namespace ChunkGate.Operator.Webhooks;

/// <summary>The parts of an <c>admission.k8s.io/v1</c> AdmissionReview request ChunkGate decides on.</summary>
internal sealed record AdmissionReviewRequest(
    string Uid,
    string Resource,
    string SubResource,
    string Namespace,
    string Name,
    AdmissionOperation Operation,
    UserInfo User,
    JsonObject? Object,
    JsonObject? OldObject,
    bool DryRun)
{
    /// <summary>The name of the object (on create with generateName the request has none yet).</summary>
    public string ObjectName =>
        Name.Length > 0 ? Name : (Object?["metadata"]?["name"] ?? Object?["metadata"]?["generateName"])?.GetValue<string>() ?? "";

    public static bool TryParse(JsonNode? review, out AdmissionReviewRequest? request, out string? error)
    {
        request = null;
        error = null;
        if (review?["apiVersion"]?.GetValue<string>() != "admission.k8s.io/v1" || review["request"] is not JsonObject r)
        {
            error = "expected an admission.k8s.io/v1 AdmissionReview with a request";
            return false;
        }

        var uid = Text(r, "uid");
        if (uid.Length == 0)
        {
            error = "request.uid is missing";
            return false;
        }

        AdmissionOperation? operation = Text(r, "operation") switch
        {
            "CREATE" => AdmissionOperation.Create,
            "UPDATE" => AdmissionOperation.Update,
            "DELETE" => AdmissionOperation.Delete,
            _ => null,
        };
        if (operation is null)
        {
            error = $"operation \"{Text(r, "operation")}\" is not reviewed by ChunkGate";
            return false;
        }

        var groups = (r["userInfo"]?["groups"] as JsonArray ?? []).Select(g => g?.GetValue<string>() ?? "").Where(g => g.Length > 0).ToList();
        request = new AdmissionReviewRequest(
            uid,
            r["resource"]?["resource"]?.GetValue<string>() ?? "",
            Text(r, "subResource"),
            Text(r, "namespace"),
            Text(r, "name"),
            operation.Value,
            new UserInfo(r["userInfo"]?["username"]?.GetValue<string>() ?? "", groups),
            r["object"] as JsonObject,
            r["oldObject"] as JsonObject,
            r["dryRun"]?.GetValue<bool>() ?? false);
        return true;
    }

    private static string Text(JsonObject node, string key) => node[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
}

/// <summary>What a webhook answers: allowed or a denial sentence, warnings, and the JSON patch of a mutation.</summary>
internal sealed record AdmissionReviewResponse(bool Allowed, string? Message, IReadOnlyList<string> Warnings, JsonArray? Patch, int Code = 403)
{
    /// <summary>ChunkGate could not decide (e.g. the API server did not answer a lookup): fail closed, say why.</summary>
    public static AdmissionReviewResponse Failed(string message) => new(false, message, [], null, 500);

    public static AdmissionReviewResponse From(AdmissionVerdict verdict, JsonArray? patch = null) =>
        new(verdict.Allowed, verdict.Message, verdict.AllWarnings, patch is { Count: > 0 } ? patch : null);

    public JsonObject ToReview(string uid)
    {
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = Allowed };
        if (!Allowed)
        {
            response["status"] = new JsonObject { ["code"] = Code, ["reason"] = Code == 403 ? "Forbidden" : "InternalError", ["message"] = Message ?? "denied" };
        }

        if (Warnings.Count > 0)
        {
            response["warnings"] = new JsonArray([.. Warnings.Select(w => (JsonNode)w)]);
        }

        if (Patch is not null)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Patch.ToJsonString()));
        }

        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
    }
}
