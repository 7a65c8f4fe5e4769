using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Api;

/// <summary>
/// A served resource whose objects live in another resource's storage under other top-level field
/// names, as events.k8s.io/v1 Events are core/v1 Events in a real server (one object, two shapes).
/// </summary>
internal sealed record StoredAs(string StorageKey, string ApiVersion, IReadOnlyList<(string Served, string Stored)> Renames)
{
    /// <summary>events.k8s.io/v1 → core/v1, after k8s.io/kubernetes pkg/apis/events/v1 conversion.</summary>
    public static StoredAs CoreEvents { get; } = new("/events", "v1",
    [
        ("regarding", "involvedObject"),
        ("note", "message"),
        ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
    ]);

    public JsonObject ToStorage(JsonObject served)
    {
        var stored = Renamed(served, Renames.Select(r => (r.Served, r.Stored)));
        stored["apiVersion"] = ApiVersion;
        return stored;
    }

    public JsonObject FromStorage(JsonObject stored) => Renamed(stored, Renames.Select(r => (r.Stored, r.Served)));

    private static JsonObject Renamed(JsonObject source, IEnumerable<(string From, string To)> renames)
    {
        var copy = (JsonObject)source.DeepClone();
        foreach (var (from, to) in renames)
        {
            // A field under the other shape's name is unknown in this one and dropped, as decoding would.
            copy.Remove(to);
            if (copy[from] is { } value)
            {
                copy.Remove(from);
                copy[to] = value;
            }
        }

        return copy;
    }
}
