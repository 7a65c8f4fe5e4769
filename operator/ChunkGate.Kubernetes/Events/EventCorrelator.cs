using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Kubernetes.Events;

public enum EventWrite
{
    /// <summary>New event: POST it.</summary>
    Create,

    /// <summary>Seen before: PATCH the existing event's count, lastTimestamp and message.</summary>
    Patch,

    /// <summary>Too many events for this object from this source: drop it.</summary>
    Drop,
}

public sealed record EventCorrelation(EventWrite Write, Event Event);

/// <summary>
/// The decisions client-go's event correlator makes, without I/O: an identical event (same source,
/// object, type, reason and message) increments the count of the first; once 10 events with different
/// messages for the same object and reason arrive within 10 minutes they are combined into one
/// "(combined from similar events)" event; a per-object token bucket (burst 25, one per 5 minutes)
/// drops floods. Caches are bounded.
/// </summary>
public sealed class EventCorrelator(TimeProvider timeProvider)
{
    public const int MaxSimilarEvents = 10;
    public const int MaxCacheEntries = 4096;
    public const int SpamBurst = 25;
    public static readonly TimeSpan SimilarEventWindow = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan SpamRefill = TimeSpan.FromMinutes(5);
    private const string CombinedPrefix = "(combined from similar events): ";

    private readonly Lock gate = new();
    private readonly BoundedCache<string, SimilarEvents> similar = new(MaxCacheEntries);
    private readonly BoundedCache<string, SeenEvent> seen = new(MaxCacheEntries);
    private readonly BoundedCache<string, SpamBucket> spam = new(MaxCacheEntries);

    public EventCorrelation Correlate(Event candidate)
    {
        var now = timeProvider.GetUtcNow();
        lock (gate)
        {
            if (!TakeSpamToken(candidate, now))
            {
                return new EventCorrelation(EventWrite.Drop, candidate);
            }

            var aggregateKey = AggregateKey(candidate);
            if (!similar.TryGet(aggregateKey, out var group) || now - group.WindowStart > SimilarEventWindow)
            {
                group = new SimilarEvents(now);
                similar.Set(aggregateKey, group);
            }

            group.Messages.Add(candidate.Message ?? "");
            var dedupeKey = aggregateKey + "\n" + candidate.Message;
            if (group.Messages.Count >= MaxSimilarEvents)
            {
                candidate.Message = CombinedPrefix + candidate.Message;
                dedupeKey = aggregateKey + "\n" + CombinedPrefix;
            }

            if (seen.TryGet(dedupeKey, out var previous))
            {
                previous.Count++;
                candidate.Metadata.Name = previous.Name;
                candidate.Count = previous.Count;
                candidate.FirstTimestamp = previous.FirstTimestamp;
                candidate.LastTimestamp = now;
                return new EventCorrelation(EventWrite.Patch, candidate);
            }

            candidate.Count = 1;
            candidate.FirstTimestamp ??= now;
            candidate.LastTimestamp = now;
            seen.Set(dedupeKey, new SeenEvent(candidate.Metadata.Name ?? "", candidate.FirstTimestamp.Value) { Count = 1 });
            return new EventCorrelation(EventWrite.Create, candidate);
        }
    }

    /// <summary>The server lost the event we were patching: the next occurrence starts a new one.</summary>
    public void Forget(Event written)
    {
        lock (gate)
        {
            seen.RemoveWhere(entry => entry.Name == written.Metadata.Name);
        }
    }

    private bool TakeSpamToken(Event candidate, DateTimeOffset now)
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

    private static string AggregateKey(Event e) =>
        string.Join('\n', e.Source?.Component, e.Source?.Host, ObjectKey(e.InvolvedObject), e.Type, e.Reason, e.ReportingComponent, e.ReportingInstance);

    private static string ObjectKey(ObjectReference o) => string.Join('\n', o.Kind, o.Namespace, o.Name, o.Uid, o.ApiVersion);

    private sealed class SimilarEvents(DateTimeOffset windowStart)
    {
        public DateTimeOffset WindowStart { get; } = windowStart;

        public HashSet<string> Messages { get; } = new(StringComparer.Ordinal);
    }

    private sealed class SeenEvent(string name, DateTimeOffset firstTimestamp)
    {
        public string Name { get; } = name;

        public DateTimeOffset FirstTimestamp { get; } = firstTimestamp;

        public int Count { get; set; }
    }

    private sealed class SpamBucket(int tokens, DateTimeOffset last)
    {
        public int Tokens { get; set; } = tokens;

        public DateTimeOffset Last { get; set; } = last;
    }
}
