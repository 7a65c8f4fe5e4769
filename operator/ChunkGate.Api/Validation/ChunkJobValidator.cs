using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;

namespace ChunkGate.Api.Validation;

/// <summary>Rules for a ChunkJob, on its own and against its DataConnection.</summary>
public static class ChunkJobValidator
{
    public static ValidationResult Validate(ChunkJob job) => Validate(job.Spec);

    /// <summary>The spec's own rules (all of them: none reads the metadata); the runner checks its spec with these.</summary>
    public static ValidationResult Validate(ChunkJobSpec? spec)
    {
        var result = new ValidationResult();
        if (spec is null)
        {
            result.Error("spec", "Required value");
            return result;
        }

        FieldRules.ObjectName(result, "spec.connectionRef.name", spec.ConnectionRef?.Name);
        FieldRules.Enum(result, "spec.action", spec.Action);

        var tables = spec.Tables ?? [];
        if (tables.Count == 0)
        {
            result.Error("spec.tables", "Required value: at least one schema.table");
        }

        var parsedTables = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tables.Count; i++)
        {
            if (Identifiers.TryParseQualified(tables[i], 2, out var parts))
            {
                parsedTables.Add(string.Join('\0', parts));
                if (ReservedSchemas.Contains(parts[0]))
                {
                    result.Error($"spec.tables[{i}]", ReservedSchemas.Refusal(tables[i], parts[0]));
                }
            }
            else
            {
                result.Error($"spec.tables[{i}]", $"must be schema.table, got \"{tables[i]}\"");
            }
        }

        FieldRules.Unique(result, "spec.tables", tables, table => table);

        if (spec.Chunking is null)
        {
            result.Error("spec.chunking", "Required value");
        }
        else
        {
            if (!Identifiers.TryParseQualified(spec.Chunking.Table, 2, out var chunkTable))
            {
                result.Error("spec.chunking.table", $"must be schema.table, got \"{spec.Chunking.Table}\"");
            }
            else if (!parsedTables.Contains(string.Join('\0', chunkTable)))
            {
                result.Error("spec.chunking.table", $"\"{spec.Chunking.Table}\" must be one of spec.tables");
            }

            if (!Identifiers.IsIdentifier(spec.Chunking.KeyColumn))
            {
                result.Error("spec.chunking.keyColumn", $"must be a column name, got \"{spec.Chunking.KeyColumn}\"");
            }

            if (spec.Chunking.ChunkSize is < 1 or > 1_000_000)
            {
                result.Error("spec.chunking.chunkSize", $"must be between 1 and 1000000, got {spec.Chunking.ChunkSize}");
            }
        }

        if (FieldRules.Required(result, "spec.query", spec.Query))
        {
            if (spec.Query.Length > 65536)
            {
                result.Error("spec.query", "Too long: must have at most 65536 characters");
            }

            // A query that ignores the bounds would read the whole table once per chunk.
            if (!spec.Query.Contains("$1", StringComparison.Ordinal) || !spec.Query.Contains("$2", StringComparison.Ordinal))
            {
                result.Error("spec.query", "must use $1 and $2, the chunk's lower (inclusive) and upper (exclusive) key bounds");
            }
        }

        if (spec.Output is not null)
        {
            FieldRules.Enum(result, "spec.output.format", spec.Output.Format);
            if (spec.Output.Destination is { } destination && destination != OutputDestination.Stdout)
            {
                var claim = OutputDestination.Claim(spec.Output);
                if (claim is null)
                {
                    result.Error("spec.output.destination", $"must be stdout or pvc:<claim>, got \"{destination}\"");
                }
                else if (!Identifiers.IsObjectName(claim))
                {
                    result.Error("spec.output.destination", $"invalid claim name \"{claim}\": must be a lower-case RFC 1123 subdomain");
                }
            }
        }

        if (spec.Parallelism is { } parallelism and (< JobParallelism.Min or > JobParallelism.Max))
        {
            result.Error("spec.parallelism", $"must be between {JobParallelism.Min} and {JobParallelism.Max}, got {parallelism}");
        }

        return result;
    }

    /// <summary>Rules that need the job's DataConnection (the webhook and the controller both check them).</summary>
    public static ValidationResult ValidateAgainst(ChunkJob job, DataConnection connection) =>
        ValidateAgainst(job.Spec, connection.Metadata.Name ?? "", connection.Spec);

    /// <summary>Every rule at once, on its own and against its connection, as the webhook and the controller both check them.</summary>
    public static ValidationResult ValidateWith(ChunkJobSpec job, string connectionName, DataConnectionSpec connection)
    {
        var result = Validate(new ChunkJob { Spec = job });
        result.Merge(ValidateAgainst(job, connectionName, connection));
        return result;
    }

    public static ValidationResult ValidateAgainst(ChunkJobSpec job, string connectionName, DataConnectionSpec connection)
    {
        var result = new ValidationResult();
        var allowed = connection.AllowedActions ?? [];
        if (!allowed.Contains(job.Action))
        {
            var names = string.Join(", ", allowed.Select(WireName.Of));
            result.Error("spec.action", $"\"{WireName.Of(job.Action)}\" is not allowed by DataConnection \"{connectionName}\" (allowed: {names})");
        }

        return result;
    }
}
