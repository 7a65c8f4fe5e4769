using System.Security.Cryptography;
using System.Text.Json;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// What the sidecar masks: column rules, enabled value detectors and the HMAC key of the
/// <c>hash</c> strategy. Immutable; built once from the configuration's <c>masking</c> section.
/// </summary>
internal sealed class MaskingPolicy
{
    /// <summary>Shortest accepted hash key: a shorter key would make the keyed hash guessable.</summary>
    public const int MinimumHashKeyLength = 16;

    private readonly byte[] hashKey;

    public MaskingPolicy(IReadOnlyList<ColumnRule> columns, DetectorKinds detectors, ReadOnlySpan<byte> hashKey)
    {
        if (hashKey.Length < MinimumHashKeyLength)
        {
            throw new ArgumentException($"The hash key must be at least {MinimumHashKeyLength} bytes.", nameof(hashKey));
        }

        Columns = columns;
        Detectors = detectors;
        this.hashKey = hashKey.ToArray();
    }

    /// <summary>No column rules and no detectors: every row passes through untouched.</summary>
    public static MaskingPolicy None { get; } = new([], DetectorKinds.None, RandomNumberGenerator.GetBytes(32));

    public IReadOnlyList<ColumnRule> Columns { get; }

    public DetectorKinds Detectors { get; }

    /// <summary>True when nothing can ever be masked, so the proxy may skip planning entirely.</summary>
    public bool IsEmpty => Columns.Count == 0 && Detectors == DetectorKinds.None;

    /// <summary>The HMAC-SHA256 key of the hash strategy. Never log it.</summary>
    internal ReadOnlySpan<byte> HashKey => hashKey;

    /// <summary>
    /// Reads the <c>masking</c> section: <c>{ "columns": [ { "column": "schema.table.column", "strategy": "last4" } ],
    /// "detectors": ["ssn","card","email"], "hashKeyFile": "/path" }</c>.
    /// A missing or null section gives <see cref="None"/>; a missing <c>detectors</c> enables all of them
    /// (the backstop is on unless explicitly turned off with <c>[]</c>). The key file is required when a
    /// column uses <c>hash</c>; without one a random per-process key is used.
    /// </summary>
    /// <param name="masking">The section.</param>
    /// <param name="readKeyFile">Reads the key file (defaults to <see cref="File.ReadAllBytes(string)"/>).</param>
    /// <exception cref="MaskingPolicyException">With the JSON path and a clear reason; never contains key material.</exception>
    public static MaskingPolicy Parse(JsonElement masking, Func<string, byte[]>? readKeyFile = null)
    {
        if (masking.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return None;
        }

        if (masking.ValueKind != JsonValueKind.Object)
        {
            throw new MaskingPolicyException("masking", "must be an object.");
        }

        var columns = new List<ColumnRule>();
        var seen = new HashSet<(string, string, string)>();
        var detectors = DetectorKinds.All;
        string? keyFile = null;
        foreach (var property in masking.EnumerateObject())
        {
            switch (property.Name)
            {
                case "columns":
                    ParseColumns(property.Value, columns, seen);
                    break;
                case "detectors":
                    detectors = ParseDetectors(property.Value);
                    break;
                case "hashKeyFile":
                    if (property.Value.ValueKind == JsonValueKind.Null)
                    {
                        break;
                    }

                    if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()))
                    {
                        throw new MaskingPolicyException("masking.hashKeyFile", "must be a file path.");
                    }

                    keyFile = property.Value.GetString();
                    break;
                default:
                    throw new MaskingPolicyException($"masking.{property.Name}", "unknown field (expected columns, detectors, hashKeyFile).");
            }
        }

        var key = keyFile is null ? null : ReadKey(keyFile, readKeyFile ?? File.ReadAllBytes);
        if (key is null && columns.Exists(rule => rule.Strategy == MaskingStrategy.Hash))
        {
            throw new MaskingPolicyException("masking.hashKeyFile", "is required when a column uses the hash strategy.");
        }

        return new MaskingPolicy(columns, detectors, key ?? RandomNumberGenerator.GetBytes(32));
    }

    private static void ParseColumns(JsonElement element, List<ColumnRule> columns, HashSet<(string, string, string)> seen)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new MaskingPolicyException("masking.columns", "must be an array.");
        }

        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var path = $"masking.columns[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new MaskingPolicyException(path, "must be an object with column and strategy.");
            }

            string? column = null;
            string? strategy = null;
            foreach (var property in item.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "column" when property.Value.ValueKind == JsonValueKind.String:
                        column = property.Value.GetString();
                        break;
                    case "strategy" when property.Value.ValueKind == JsonValueKind.String:
                        strategy = property.Value.GetString();
                        break;
                    case "column" or "strategy":
                        throw new MaskingPolicyException($"{path}.{property.Name}", "must be a string.");
                    default:
                        throw new MaskingPolicyException($"{path}.{property.Name}", "unknown field (expected column, strategy).");
                }
            }

            if (column is null)
            {
                throw new MaskingPolicyException($"{path}.column", "is required (schema.table.column).");
            }

            if (!QualifiedColumnName.TryParse(column, out var schema, out var table, out var name, out var error))
            {
                throw new MaskingPolicyException($"{path}.column", error);
            }

            var parsedStrategy = strategy switch
            {
                null => throw new MaskingPolicyException($"{path}.strategy", "is required (redact, last4, hash or null)."),
                "redact" => MaskingStrategy.Redact,
                "last4" => MaskingStrategy.Last4,
                "hash" => MaskingStrategy.Hash,
                "null" => MaskingStrategy.Null,
                _ => throw new MaskingPolicyException($"{path}.strategy", $"unknown strategy '{strategy}' (expected redact, last4, hash or null)."),
            };

            if (!seen.Add((schema, table, name)))
            {
                throw new MaskingPolicyException($"{path}.column", $"'{column}' is listed twice.");
            }

            columns.Add(new ColumnRule(schema, table, name, parsedStrategy));
        }
    }

    private static DetectorKinds ParseDetectors(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new MaskingPolicyException("masking.detectors", "must be an array of ssn, card, email.");
        }

        var kinds = DetectorKinds.None;
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            kinds |= (item.ValueKind == JsonValueKind.String ? item.GetString() : null) switch
            {
                "ssn" => DetectorKinds.Ssn,
                "card" => DetectorKinds.Card,
                "email" => DetectorKinds.Email,
                "strict" => DetectorKinds.Strict,
                _ => throw new MaskingPolicyException($"masking.detectors[{index}]", "unknown detector (expected ssn, card or email)."),
            };
            index++;
        }

        return kinds;
    }

    private static byte[] ReadKey(string path, Func<string, byte[]> read)
    {
        byte[] key;
        try
        {
            key = read(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new MaskingPolicyException("masking.hashKeyFile", $"cannot read '{path}': {exception.GetType().Name}.");
        }

        // Every byte is key material, a last 0x0A or 0x0D included: the operator's keys are random
        // bytes, and the database's masking views hash with all of them (trimming a trailing newline
        // made one connection in 128 hash differently in the sidecar than in the views).
        if (key.Length < MinimumHashKeyLength)
        {
            throw new MaskingPolicyException("masking.hashKeyFile", $"'{path}' holds {key.Length} bytes; at least {MinimumHashKeyLength} are required.");
        }

        return key;
    }
}
