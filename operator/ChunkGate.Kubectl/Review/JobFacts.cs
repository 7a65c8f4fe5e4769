using ChunkGate.Api.Hashing;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;

namespace ChunkGate.Kubectl.Review;

/// <summary>What the plugin reads off a job the same way everywhere: its designer and its spec hash.</summary>
internal static class JobFacts
{
    /// <summary>The webhook's stamp (the annotation it alone writes), else what the controller copied to status.</summary>
    public static string? Designer(ChunkJob job) =>
        job.Metadata.Annotations?.TryGetValue(ChunkGateAnnotations.Designer, out var stamped) == true && stamped.Length > 0
            ? stamped
            : job.Status?.Designer;

    /// <summary>The hash an approval binds to, computed as the webhook computes it: from the spec as the server stores it.</summary>
    public static string SpecHash(ChunkJob job) => Api.Hashing.SpecHash.Of(job);

    /// <summary><c>sha256:1a2b3c4d5e6f</c>: enough to tell specs apart in a table; <c>show</c> prints the whole hash.</summary>
    public static string Short(string? hash) =>
        hash is { Length: > 19 } && hash.StartsWith(Api.Hashing.SpecHash.Prefix, StringComparison.Ordinal) ? hash[..19] : hash ?? "";

    public static string Qualified(ChunkJob job) => $"{job.Metadata.NamespaceProperty}/{job.Metadata.Name}";
}
