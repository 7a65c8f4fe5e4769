using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Http;

/// <summary>
/// Content negotiation of the resource endpoints, as k8s.io/apiserver's negotiation package does it:
/// an Accept header naming nothing the server can write is 406 NotAcceptable, a body in a media type it
/// cannot read is 415 UnsupportedMediaType. The stand-in writes JSON only, so a client that accepts
/// protobuf alone is refused here, where a real server would answer protobuf for built-in kinds.
/// </summary>
internal static class MediaTypes
{
    private static readonly string[] BuiltInSerializers = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

    private static readonly string[] CustomSerializers = ["application/json", "application/yaml"];

    /// <summary>Patch types in the order a real server lists them (strategic merge only for built-in kinds).</summary>
    public static IReadOnlyList<string> PatchTypes(ResourceType type) => type.IsCustom
        ? ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
        : ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

    /// <summary>Throws 406 unless the Accept header admits JSON (or is absent).</summary>
    public static void RequireAcceptable(ResourceType type, string accept)
    {
        if (accept.Trim().Length == 0 || accept.Split(',').Any(AdmitsJson))
        {
            return;
        }

        throw new ApiError(406, "NotAcceptable",
            $"only the following media types are accepted: {string.Join(", ", type.IsCustom ? CustomSerializers : BuiltInSerializers)}");
    }

    /// <summary>Throws 415 unless a create/update body is JSON, YAML or (built-in kinds only) protobuf.</summary>
    public static void RequireReadableBody(ResourceType type, string? contentType)
    {
        var mediaType = MediaType(contentType ?? "");
        var readable = type.IsCustom ? CustomSerializers : BuiltInSerializers;
        if (mediaType.Length > 0 && !readable.Contains(mediaType))
        {
            throw UnsupportedMediaType(readable);
        }
    }

    /// <summary>Throws 415 unless the PATCH body is one of the type's patch types.</summary>
    public static void RequirePatchType(ResourceType type, string mediaType)
    {
        if (!PatchTypes(type).Contains(mediaType))
        {
            throw UnsupportedMediaType(PatchTypes(type));
        }
    }

    public static string MediaType(string contentType) => contentType.Split(';')[0].Trim().ToLowerInvariant();

    private static ApiError UnsupportedMediaType(IEnumerable<string> accepted) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}");

    private static bool AdmitsJson(string range)
    {
        var parameters = range.Split(';').Select(p => p.Trim()).ToArray();
        if (parameters.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000"))
        {
            return false;
        }

        return MediaType(parameters[0]) is "*/*" or "application/*" or "application/json" or "application/yaml";
    }
}
