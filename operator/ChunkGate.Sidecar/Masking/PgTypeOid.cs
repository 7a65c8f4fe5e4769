namespace ChunkGate.Sidecar.Masking;

/// <summary>Built-in type OIDs (pg_type.dat) the strategies know how to produce values for.</summary>
internal static class PgTypeOid
{
    public const uint Bool = 16;
    public const uint Bytea = 17;
    public const uint Char = 18;
    public const uint Name = 19;
    public const uint Int8 = 20;
    public const uint Int2 = 21;
    public const uint Int4 = 23;
    public const uint Text = 25;
    public const uint Oid = 26;
    public const uint Json = 114;
    public const uint Xml = 142;
    public const uint Float4 = 700;
    public const uint Float8 = 701;
    public const uint Unknown = 705;
    public const uint Money = 790;
    public const uint Inet = 869;
    public const uint TextArray = 1009;
    public const uint Bpchar = 1042;
    public const uint Varchar = 1043;
    public const uint Date = 1082;
    public const uint Time = 1083;
    public const uint Timestamp = 1114;
    public const uint Timestamptz = 1184;
    public const uint Interval = 1186;
    public const uint Timetz = 1266;
    public const uint Numeric = 1700;
    public const uint Uuid = 2950;
    public const uint Jsonb = 3802;

    /// <summary>Types whose values are plain UTF-8 text in both formats.</summary>
    public static bool IsTextLike(uint oid) => oid is Text or Varchar or Bpchar or Name or Unknown or Xml;

    /// <summary>Types whose binary format is their text (jsonb: after a version byte), so an in-place rewrite keeps them valid.</summary>
    public static bool IsPlainTextInBinary(uint oid) => IsTextLike(oid) || oid is Json or Jsonb;

    /// <summary>
    /// Types whose values cannot hold what the detectors look for (numbers, dates, booleans…), so
    /// scanning them would only cost time. Everything else (text, json, arrays, records, enums,
    /// extension types such as citext) is scanned.
    /// </summary>
    public static bool CannotHoldText(uint oid) => oid is Bool or Int2 or Int4 or Int8 or Oid or Float4 or Float8 or Numeric
        or Money or Date or Time or Timetz or Timestamp or Timestamptz or Interval or Uuid or Bytea or Char;
}
