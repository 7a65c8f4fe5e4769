namespace ChunkGate.Sidecar.Masking;

/// <summary>What happens to one column of a result.</summary>
internal enum ColumnAction : byte
{
    /// <summary>Copied as is.</summary>
    PassThrough = 0,

    /// <summary>Replaced by its column rule's strategy.</summary>
    Mask = 1,

    /// <summary>Scanned by the value detectors; matches are overwritten in place (same length).</summary>
    Scan = 2,
}
