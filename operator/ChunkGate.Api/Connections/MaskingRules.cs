using System.ComponentModel;
using System.Text.Json.Serialization;
using ChunkGate.Api.Schema;
using ChunkGate.Api.Validation;

namespace ChunkGate.Api.Connections;

public sealed class MaskingRules
{
    [Description("Columns masked wherever they appear (aliases, SELECT *, joins, views)."), Items(0, 512)]
    public List<ColumnMask> Columns { get; set; } = [];

    [Description("Value detectors applied to every text value the column rules do not cover."), Items(0, 3, Unique = true)]
    public List<ValueDetector> Detectors { get; set; } = [];
}

public sealed class ColumnMask
{
    [Required, Description("The column as schema.table.column (lower-case unquoted identifiers, or \"Quoted\" ones)."), Pattern(Identifiers.QualifiedColumnPattern)]
    public string Column { get; set; } = "";

    [Required, Description("How values are masked: redact, last4, hash (keyed, deterministic: joins still work) or null.")]
    public MaskStrategy Strategy { get; set; }
}

public enum MaskStrategy
{
    /// <summary>Replaced by a fixed marker.</summary>
    [JsonStringEnumMemberName("redact")] Redact,

    /// <summary>All but the last four characters replaced.</summary>
    [JsonStringEnumMemberName("last4")] Last4,

    /// <summary>Keyed HMAC: deterministic, so equal inputs stay equal (joins, GROUP BY).</summary>
    [JsonStringEnumMemberName("hash")] Hash,

    /// <summary>Replaced by SQL NULL.</summary>
    [JsonStringEnumMemberName("null")] Null,
}

public enum ValueDetector
{
    /// <summary>US social security numbers.</summary>
    [JsonStringEnumMemberName("ssn")] Ssn,

    /// <summary>Payment card numbers that pass the Luhn check.</summary>
    [JsonStringEnumMemberName("card")] Card,

    [JsonStringEnumMemberName("email")] Email,
}
