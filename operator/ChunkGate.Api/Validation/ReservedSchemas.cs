namespace ChunkGate.Api.Validation;

/// <summary>
/// Schemas no job may list a table in: PostgreSQL's own (<c>pg_*</c>, <c>information_schema</c>;
/// pg_statistic holds sample values of masked columns, pg_authid the password verifiers) and
/// ChunkGate's (its ledger and hash key, its masking views). Admission refuses them when the job is
/// created, before anyone approves it; the credential broker refuses them again before any grant.
/// </summary>
public static class ReservedSchemas
{
    /// <summary>The admin's alone: ledger, hash key, the masking rules in force.</summary>
    public const string ChunkGateAdmin = "chunkgate";

    /// <summary>The masking views and hash functions.</summary>
    public const string ChunkGateMasked = "chunkgate_masked";

    /// <param name="schema">As the catalog names it (quotes removed).</param>
    public static bool Contains(string schema) =>
        schema.StartsWith("pg_", StringComparison.Ordinal) || schema is "information_schema" or ChunkGateAdmin or ChunkGateMasked;

    public static string Refusal(string table, string schema) =>
        $"table {table} is in {schema}, a system or ChunkGate schema; ChunkGate never grants on it";
}
