namespace ChunkGate.Api.Meta;

/// <summary>Annotations ChunkGate's admission webhooks own; readers (the kubectl plugin) find them here.</summary>
public static class ChunkGateAnnotations
{
    /// <summary>Who designed a ChunkJob: stamped on create from the requester (or, for a GitOps identity, from the manifest); never changes.</summary>
    public const string Designer = "chunkgate.io/designer";
}
