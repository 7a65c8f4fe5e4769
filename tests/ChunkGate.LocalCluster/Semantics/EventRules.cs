using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>
/// Event validation on create (k8s.io/kubernetes pkg/apis/core/validation/events.go): events.k8s.io/v1
/// requires eventTime, and an Event with an eventTime (a "new" Event, either API) requires its reporting
/// controller and instance, action and reason. Paths name the internal fields, as the real messages do.
/// </summary>
internal static class EventRules
{
    public static IEnumerable<StatusCause> ValidateCreate(ResourceType type, JsonObject stored)
    {
        var eventTime = ObjectFields.StringAt(stored, "eventTime");
        if (string.IsNullOrEmpty(eventTime))
        {
            if (type.StoredAs is not null)
            {
                yield return Required("eventTime");
            }

            yield break;
        }

        foreach (var (field, storedAs) in new[] { ("reportingController", "reportingComponent"), ("reportingInstance", "reportingInstance"), ("action", "action"), ("reason", "reason") })
        {
            if (string.IsNullOrEmpty(ObjectFields.StringAt(stored, storedAs)))
            {
                yield return Required(field);
            }
        }
    }

    private static StatusCause Required(string field) => new("FieldValueRequired", "Required value", field);
}
