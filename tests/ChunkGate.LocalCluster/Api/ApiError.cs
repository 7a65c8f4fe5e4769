using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Api;

/// <summary>One field error of a 422 Invalid status (<c>details.causes[]</c>).</summary>
internal sealed record StatusCause(string Reason, string Message, string Field);

/// <summary>
/// A failed request, carried to the HTTP layer and written as a metav1.Status; the messages follow
/// k8s.io/apimachinery/pkg/api/errors so kubectl prints them exactly as against a real server.
/// </summary>
internal sealed class ApiError(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => StatusObject(Code, Reason, Message, Details);

    public static JsonObject StatusObject(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
        };
        if (reason.Length > 0)
        {
            status["reason"] = reason;
        }

        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    private static JsonObject DetailsFor(string name, string group, string kind)
    {
        // Go omits an empty name (e.g. PatchOptions "" is invalid).
        var details = name.Length > 0 ? new JsonObject { ["name"] = name } : new JsonObject();
        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = kind;
        return details;
    }

    public static ApiError NotFound(string group, string resource, string name) =>
        new(404, "NotFound", $"{Qualified(group, resource)} \"{name}\" not found", DetailsFor(name, group, resource));

    public static ApiError AlreadyExists(string group, string resource, string name) =>
        new(409, "AlreadyExists", $"{Qualified(group, resource)} \"{name}\" already exists", DetailsFor(name, group, resource));

    public static ApiError Conflict(string group, string resource, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, resource)} \"{name}\": {why}", DetailsFor(name, group, resource));

    public static ApiError StaleObject(string group, string resource, string name) =>
        Conflict(group, resource, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiError Invalid(string group, string kind, string name, IReadOnlyList<StatusCause> causes)
    {
        var parts = causes.Select(c => c.Field.Length > 0 ? $"{c.Field}: {c.Message}" : c.Message).ToList();
        var summary = parts.Count == 1 ? parts[0] : $"[{string.Join(", ", parts)}]";
        var details = DetailsFor(name, group, kind);
        details["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = c.Reason,
            ["message"] = c.Message,
            ["field"] = c.Field,
        }).ToArray());
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        return new(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {summary}", details);
    }

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError Forbidden(string message) => new(403, "Forbidden", message);

    public static ApiError MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiError Expired(string message) => new(410, "Expired", message);

    public static ApiError Internal(string message) => new(500, "InternalError", $"Internal error occurred: {message}");

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    private static string Qualified(string group, string resource) => group.Length == 0 ? resource : $"{resource}.{group}";
}
