using System.Text.Json.Serialization;

namespace ChunkGate.Api.Jobs;

/// <summary>What a job does to the data; decides the ephemeral role's grants and the sidecar's guardrails.</summary>
public enum JobAction
{
    /// <summary>SELECT only; the session is read-only.</summary>
    [JsonStringEnumMemberName("read")] Read,

    /// <summary>INSERT, UPDATE and DELETE on the listed tables.</summary>
    [JsonStringEnumMemberName("write")] Write,

    /// <summary>SELECT and COPY TO.</summary>
    [JsonStringEnumMemberName("export")] Export,

    /// <summary>Reads the listed tables and writes into a scratch schema.</summary>
    [JsonStringEnumMemberName("transform")] Transform,
}
