namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// What the recording keeps of one Bind parameter: its type and size, never its value.
/// </summary>
/// <param name="TypeOid">Parameter type OID from Parse (0 when unspecified).</param>
/// <param name="Length">Value length in bytes, -1 for NULL.</param>
/// <param name="IsBinary">Whether the client sent it in binary format.</param>
internal readonly record struct ParameterShape(uint TypeOid, int Length, bool IsBinary);
