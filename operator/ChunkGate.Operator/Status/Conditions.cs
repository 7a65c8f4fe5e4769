using ChunkGate.Api.Meta;

namespace ChunkGate.Operator.Status;

/// <summary>The condition types ChunkGate writes; one place, so readers and writers cannot drift.</summary>
public static class ConditionTypes
{
    public const string Approved = "Approved";
    public const string Running = "Running";
    public const string Valid = "Valid";
}

/// <summary>
/// metav1.Condition semantics: setting a condition replaces its reason, message and generation, but
/// <c>lastTransitionTime</c> moves only when the status flips, so watchers can tell when it changed.
/// Returns a new list; the input (possibly a cached object's) is never modified.
/// </summary>
public static class Conditions
{
    public static List<Condition> Set(IReadOnlyList<Condition>? existing, string type, ConditionStatus status, string reason, string message,
        long generation, DateTimeOffset now)
    {
        var previous = existing?.FirstOrDefault(c => c.Type == type);
        var next = new Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            LastTransitionTime = previous is not null && previous.Status == status ? previous.LastTransitionTime : now,
        };
        var result = (existing ?? []).Where(c => c.Type != type).Select(Copy).ToList();
        result.Add(next);
        return [.. result.OrderBy(c => c.Type, StringComparer.Ordinal)];
    }

    private static Condition Copy(Condition c) => new()
    {
        Type = c.Type,
        Status = c.Status,
        Reason = c.Reason,
        Message = c.Message,
        LastTransitionTime = c.LastTransitionTime,
        ObservedGeneration = c.ObservedGeneration,
    };
}
