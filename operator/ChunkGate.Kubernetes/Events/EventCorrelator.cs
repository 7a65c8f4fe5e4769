using k8s.Models;

namespace ChunkGate.Kubernetes.Events;

public enum EventWrite
{
    /// <summary>New event: POST it.</summary>
    Create,

    /// <summary>Seen before: PATCH the existing event's count and lastTimestamp.</summary>
    Patch,

    /// <summary>Over the per-object budget: not written. The recorder logs it at Warning, with its reason and message.</summary>
    Drop,
}

public sealed record EventCorrelation(EventWrite Write, Corev1Event Event);

/// <summary>
/// Decides, without I/O, how an event is written. Events are ChunkGate's audit trail, so unlike
/// client-go's correlator this one never folds distinct messages into one "(combined from similar
/// events)" event: an identical event (same source, object, type, reason and message) increments
/// the count and lastTimestamp of the first; every distinct event is written. A per-object token
/// bucket (burst 25, one per 5 minutes) still bounds a runaway loop; what it holds back is a
/// <see cref="EventWrite.Drop"/> that the recorder logs at Warning, never a silent loss. Caches are bounded.
/// </summary>
public sealed class EventCorrelator(TimeProvider timeProvider)
{
    public const int MaxCacheEntries = 4096;
    public const int SpamBurst = 25;
    public static readonly TimeSpan SpamRefill = TimeSpan.FromMinutes(5);

    private readonly Lock gate = new();
    private readonly BoundedCache<string, SeenEvent> seen = new(MaxCacheEntries);
    private readonly BoundedCache<string, SpamBucket> spam = new(MaxCacheEntries);

    public EventCorrelation Correlate(Corev1Event candidate)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        lock (gate)
        {
            var dedupeKey = AggregateKey(candidate) + "\n" + candidate.Message;
            if (seen.TryGet(dedupeKey, out var previous))
            {
                // A repeat is aggregated, not a new audit record: it costs no token.
                previous.Count++;
                candidate.Metadata.Name = previous.Name;
                candidate.Count = previous.Count;
                candidate.FirstTimestamp = previous.FirstTimestamp;
                candidate.LastTimestamp = now;
                return new EventCorrelation(EventWrite.Patch, candidate);
            }

            if (!TakeSpamToken(candidate, now))
            {
                return new EventCorrelation(EventWrite.Drop, candidate);
            }

            candidate.Count = 1;
            candidate.FirstTimestamp ??= now;
            candidate.LastTimestamp = now;
            seen.Set(dedupeKey, new SeenEvent(candidate.Metadata.Name ?? "", candidate.FirstTimestamp.Value) { Count = 1 });
            return new EventCorrelation(EventWrite.Create, candidate);
        }
    }

    /// <summary>The server lost the event we were patching: the next occurrence starts a new one.</summary>
    public void Forget(Corev1Event written)
    {
        lock (gate)
        {
            seen.RemoveWhere(entry => entry.Name == written.Metadata.Name);
        }
    }

    private bool TakeSpamToken(Corev1Event candidate, DateTime now)
    {
        var key = $"{candidate.Source?.Component}\n{candidate.Source?.Host}\n{ObjectKey(candidate.InvolvedObject)}";
        if (!spam.TryGet(key, out var bucket))
        {
            bucket = new SpamBucket(SpamBurst, now);
            spam.Set(key, bucket);
        }

        var refilled = (now - bucket.Last).Ticks / SpamRefill.Ticks;
        if (refilled > 0)
        {
            bucket.Tokens = (int)Math.Min(SpamBurst, bucket.Tokens + refilled);
            bucket.Last += SpamRefill * refilled;
        }

        if (bucket.Tokens == 0)
        {
            return false;
        }

        bucket.Tokens--;
        return true;
    }

    private static string AggregateKey(Corev1Event e) =>
        string.Join('\n', e.Source?.Component, e.Source?.Host, ObjectKey(e.InvolvedObject), e.Type, e.Reason, e.ReportingComponent, e.ReportingInstance);

    private static string ObjectKey(V1ObjectReference o) => string.Join('\n', o.Kind, o.NamespaceProperty, o.Name, o.Uid, o.ApiVersion);

    private sealed class SeenEvent(string name, DateTime firstTimestamp)
    {
        public string Name { get; } = name;

        public DateTime FirstTimestamp { get; } = firstTimestamp;

        public int Count { get; set; }
    }

    private sealed class SpamBucket(int tokens, DateTime last)
    {
        public int Tokens { get; set; } = tokens;

        public DateTime Last { get; set; } = last;
    }
}
