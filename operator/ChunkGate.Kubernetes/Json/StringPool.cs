using System.Collections.Concurrent;

namespace ChunkGate.Kubernetes.Json;

/// <summary>
/// One shared instance per distinct short string, for objects a cache keeps: 10,000 cached ChunkJobs
/// held the same namespace, finalizer, annotation keys, condition types, reasons and messages 10,000
/// times each (15 MB of 18 MB of strings). Bounded without an eviction list: strings go into the
/// current generation; when it is full it becomes the previous one and the one before is dropped, and
/// a string found in the previous generation moves into the current one, so what keeps recurring stays
/// shared while one-off values (uids, resourceVersions) age out. Lock-free; a race costs only sharing.
/// </summary>
internal sealed class StringPool(int generationSize)
{
    private Generation current = new();
    private Generation previous = new();

    public string Intern(ReadOnlySpan<char> value)
    {
        var now = Volatile.Read(ref current);
        if (now.Lookup.TryGetValue(value, out var held))
        {
            return held;
        }

        var kept = Volatile.Read(ref previous).Lookup.TryGetValue(value, out held) ? held : new string(value);
        if (now.Strings.TryAdd(kept, kept) && Interlocked.Increment(ref now.Count) == generationSize)
        {
            // Only the caller that filled the generation turns it over.
            Volatile.Write(ref previous, now);
            Volatile.Write(ref current, new Generation());
        }

        return kept;
    }

    private sealed class Generation
    {
        public readonly ConcurrentDictionary<string, string> Strings = new(StringComparer.Ordinal);
        public readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup;
        public int Count;

        public Generation() => Lookup = Strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }
}
