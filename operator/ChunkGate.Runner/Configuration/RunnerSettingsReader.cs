using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Validation;
using ChunkGate.Runner.Database;

namespace ChunkGate.Runner.Configuration;

/// <summary>
/// Reads the run contract's environment. Pure: the variables come from a function, and the first
/// problem is returned as one line a person reads (the runner prints it and exits with 2).
/// </summary>
internal static partial class RunnerSettingsReader
{
    public const int MaxShards = 32;

    public static (RunnerSettings? Settings, string? Error) Read(Func<string, string?> variable)
    {
        try
        {
            return (ReadOrThrow(variable), null);
        }
        catch (SettingException exception)
        {
            return (null, exception.Message);
        }
    }

    private static RunnerSettings ReadOrThrow(Func<string, string?> variable)
    {
        var job = Required(variable, "CHUNKGATE_JOB");
        var slash = job.IndexOf('/', StringComparison.Ordinal);
        var (ns, name) = slash < 0 ? ("", job) : (job[..slash], job[(slash + 1)..]);
        if (!Identifiers.IsObjectName(ns) || !Identifiers.IsObjectName(name) || name.Contains('.', StringComparison.Ordinal))
        {
            throw new SettingException($"CHUNKGATE_JOB must be <namespace>/<name>, got '{job}'");
        }

        var run = Required(variable, "CHUNKGATE_RUN");
        if (!RunIdRegex().IsMatch(run))
        {
            throw new SettingException($"CHUNKGATE_RUN must be a run id such as r3, got '{run}'");
        }

        var expiresText = Required(variable, "CHUNKGATE_EXPIRES_AT");
        if (!DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiresAt))
        {
            throw new SettingException($"CHUNKGATE_EXPIRES_AT must be an ISO 8601 time, got '{expiresText}'");
        }

        var spec = ReadSpec(Required(variable, "CHUNKGATE_JOB_SPEC"));
        var (shard, shards) = ReadShards(variable);
        var (done, doneError) = DoneChunks.Parse(variable("CHUNKGATE_DONE_CHUNKS"));
        if (done is null)
        {
            throw new SettingException($"CHUNKGATE_DONE_CHUNKS: {doneError}");
        }

        return new RunnerSettings(ns, name, run, expiresAt, spec, shard, shards, done, ReadOutput(variable("CHUNKGATE_OUTPUT")),
            ReadDatabase(variable), ReadTraceParent(variable), CopyTemplate(spec));
    }

    private static ChunkJobSpec ReadSpec(string json)
    {
        ChunkJobSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize(json, RunnerJson.Default.ChunkJobSpec);
        }
        catch (JsonException exception)
        {
            throw new SettingException($"CHUNKGATE_JOB_SPEC is not a ChunkJob spec: {exception.Message}");
        }

        if (spec is null)
        {
            throw new SettingException("CHUNKGATE_JOB_SPEC is not a ChunkJob spec: null");
        }

        // The API's own rules: the webhook admitted this spec, so a failure here means the variable was tampered with or mangled.
        var validation = ChunkJobValidator.Validate(spec);
        if (!validation.IsValid)
        {
            throw new SettingException($"CHUNKGATE_JOB_SPEC is not a valid ChunkJob spec: {validation.ErrorSummary}");
        }

        return spec;
    }

    /// <summary>A CSV export runs its query inside COPY, with the bounds written in; other actions and formats bind them.</summary>
    private static QueryTemplate? CopyTemplate(ChunkJobSpec spec)
    {
        if (spec.Action != JobAction.Export || (spec.Output?.Format ?? OutputFormat.Csv) != OutputFormat.Csv)
        {
            return null;
        }

        var (template, error) = QueryTemplate.Parse(spec.Query);
        return template ?? throw new SettingException($"CHUNKGATE_JOB_SPEC: spec.query: {error}");
    }

    private static (int Shard, int Shards) ReadShards(Func<string, string?> variable)
    {
        var shardText = variable("CHUNKGATE_SHARD");
        var shardsText = variable("CHUNKGATE_SHARDS");
        if (string.IsNullOrEmpty(shardText) && string.IsNullOrEmpty(shardsText))
        {
            return (0, 1);
        }

        if (!int.TryParse(shardsText, NumberStyles.None, CultureInfo.InvariantCulture, out var shards) || shards is < 1 or > MaxShards)
        {
            throw new SettingException($"CHUNKGATE_SHARDS must be a number from 1 to {MaxShards}, got '{shardsText}'");
        }

        if (!int.TryParse(shardText, NumberStyles.None, CultureInfo.InvariantCulture, out var shard) || shard >= shards)
        {
            throw new SettingException($"CHUNKGATE_SHARD must be a number from 0 to {shards - 1} (CHUNKGATE_SHARDS is {shards}), got '{shardText}'");
        }

        return (shard, shards);
    }

    private static OutputTarget ReadOutput(string? text)
    {
        if (string.IsNullOrEmpty(text) || text == "stdout")
        {
            return OutputTarget.StandardOutput;
        }

        // The operator mounts the claim at /output; any absolute directory is accepted so the runner also runs outside a Pod.
        if (!Path.IsPathFullyQualified(text) || !Directory.Exists(text))
        {
            throw new SettingException($"CHUNKGATE_OUTPUT must be stdout or an existing directory such as /output, got '{text}'");
        }

        return new OutputTarget(text);
    }

    private static DatabaseEndpoint ReadDatabase(Func<string, string?> variable)
    {
        var portText = Required(variable, "PGPORT");
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new SettingException($"PGPORT must be a port number, got '{portText}'");
        }

        var sslMode = variable("PGSSLMODE") is { Length: > 0 } mode ? mode : "disable";
        if (sslMode is not ("disable" or "allow" or "prefer" or "require" or "verify-ca" or "verify-full"))
        {
            throw new SettingException($"PGSSLMODE must be one of libpq's modes (disable, require, ...), got '{sslMode}'");
        }

        return new DatabaseEndpoint(
            Required(variable, "PGHOST"),
            port,
            Required(variable, "PGDATABASE"),
            variable("PGUSER") is { Length: > 0 } user ? user : "chunkgate",
            sslMode,
            variable("PGPASSWORD") is { Length: > 0 } password ? password : null);
    }

    private static ActivityContext ReadTraceParent(Func<string, string?> variable)
    {
        var text = variable("TRACEPARENT");
        if (string.IsNullOrWhiteSpace(text))
        {
            return default;
        }

        return ActivityContext.TryParse(text, variable("TRACESTATE"), isRemote: true, out var context)
            ? context
            : throw new SettingException($"TRACEPARENT must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), got '{text}'");
    }

    private static string Required(Func<string, string?> variable, string name) =>
        variable(name) is { Length: > 0 } value ? value : throw new SettingException($"{name} is required (see the run contract in the runner's README)");

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex RunIdRegex();

    private sealed class SettingException(string message) : Exception(message);
}
