namespace ChunkGate.Sidecar.Masking;

/// <summary>How a masked column's values are replaced. Config names: <c>redact</c>, <c>last4</c>, <c>hash</c>, <c>null</c>.</summary>
internal enum MaskingStrategy : byte
{
    /// <summary>A fixed neutral value of the column's type (<c>REDACTED</c>, 0, 2000-01-01, the nil UUID…).</summary>
    Redact = 1,

    /// <summary>Keep the last four characters (text) or the last four digits (integers, numeric); other types are redacted.</summary>
    Last4 = 2,

    /// <summary>Keyed HMAC-SHA256 mapped into the column's type: deterministic under one key, so joins and group-bys still work.</summary>
    Hash = 3,

    /// <summary>SQL NULL.</summary>
    Null = 4,
}
