using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>
/// ListOptions validation of list and watch requests (apimachinery's ValidateListOptions, WatchList
/// enabled as in 1.32): a 422 on meta.k8s.io ListOptions before anything is read.
/// </summary>
internal static class ListOptionsRules
{
    private const string NotOlderThan = "NotOlderThan";

    /// <param name="sendInitialEvents">Whether the parameter was given at all (any value counts, as a non-nil pointer).</param>
    public static void Check(bool watch, string resourceVersion, string resourceVersionMatch, string continueToken, bool sendInitialEvents)
    {
        var causes = (watch ? Watch(resourceVersionMatch, continueToken, sendInitialEvents) : List(resourceVersion, resourceVersionMatch, continueToken, sendInitialEvents)).ToList();
        if (causes.Count > 0)
        {
            throw ApiError.Invalid("meta.k8s.io", "ListOptions", "", causes);
        }
    }

    private static IEnumerable<StatusCause> List(string resourceVersion, string match, string continueToken, bool sendInitialEvents)
    {
        if (match.Length > 0)
        {
            if (resourceVersion.Length == 0)
            {
                yield return Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided");
            }

            if (continueToken.Length > 0)
            {
                yield return Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided");
            }

            if (match is not ("Exact" or NotOlderThan))
            {
                yield return NotSupported("resourceVersionMatch", match, ["Exact", NotOlderThan, ""]);
            }

            if (match == "Exact" && resourceVersion == "0")
            {
                yield return Forbidden("resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
            }
        }

        if (sendInitialEvents)
        {
            yield return Forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list");
        }
    }

    private static IEnumerable<StatusCause> Watch(string match, string continueToken, bool sendInitialEvents)
    {
        if (sendInitialEvents && match != NotOlderThan)
        {
            yield return Forbidden("resourceVersionMatch", $"sendInitialEvents requires setting resourceVersionMatch to {NotOlderThan}");
        }

        if (match.Length > 0)
        {
            if (!sendInitialEvents)
            {
                yield return Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
            }

            if (match != NotOlderThan)
            {
                yield return NotSupported("resourceVersionMatch", match, [NotOlderThan]);
            }

            if (continueToken.Length > 0)
            {
                yield return Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided");
            }
        }
    }

    private static StatusCause Forbidden(string field, string detail) => new("FieldValueForbidden", $"Forbidden: {detail}", field);

    private static StatusCause NotSupported(string field, string value, IEnumerable<string> supported) =>
        new("FieldValueNotSupported", $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}", field);
}
