namespace ChunkGate.Sidecar.Protocol;

/// <summary>Outcome of reading a frame from a buffer; parsers return it instead of throwing.</summary>
internal enum FrameStatus
{
    Complete,
    NeedMoreData,
    InvalidData,
}
