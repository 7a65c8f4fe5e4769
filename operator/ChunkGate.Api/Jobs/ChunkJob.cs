using System.ComponentModel;
using ChunkGate.Api.Meta;
using ChunkGate.Api.Schema;
using ChunkGate.Api.Validation;

namespace ChunkGate.Api.Jobs;

// The short name is cjob, not cj: cj is already CronJob's short name in every cluster.
[KubernetesEntity("ChunkJob", "chunkjobs", ShortNames = ["cjob"], Categories = ["chunkgate"],
    Description = "A data-chunking job designed by a designer; it runs only once enough executors approve its current spec.")]
[PrinterColumn(0, "Phase", PrinterColumnType.String, ".status.phase")]
[PrinterColumn(1, "Action", PrinterColumnType.String, ".spec.action")]
[PrinterColumn(2, "Connection", PrinterColumnType.String, ".spec.connectionRef.name")]
[PrinterColumn(3, "Approvers", PrinterColumnType.String, ".status.approvers", Description = "Executors whose approvals are current.")]
[PrinterColumn(4, "Expires", PrinterColumnType.String, ".status.approval.expiresAt", Description = "When the credential, Pod and sidecar end.")]
[PrinterColumn(5, "Progress", PrinterColumnType.String, ".status.progress.summary")]
[PrinterColumn(6, "Age", PrinterColumnType.Date, ".metadata.creationTimestamp")]
[PrinterColumn(7, "Designer", PrinterColumnType.String, ".status.designer", Priority = 1)]
public sealed class ChunkJob() : CustomResource<ChunkJobSpec, ChunkJobStatus>("ChunkJob");

public sealed class ChunkJobSpec : ResourceSpec
{
    [Required, Description("The DataConnection (same namespace) the job runs against.")]
    public NameReference ConnectionRef { get; set; } = new();

    [Required, Description("read, write, export or transform; must be allowed by the connection.")]
    public JobAction Action { get; set; }

    [Required, Description("Tables the ephemeral role is granted on, as schema.table. The grant scope: nothing else is reachable."),
     Items(1, 64, Unique = true), ItemPattern(Identifiers.QualifiedTablePattern)]
    public List<string> Tables { get; set; } = [];

    [Required, Description("How the work is split into chunks.")]
    public Chunking Chunking { get; set; } = new();

    [Required, Description("SQL run once per chunk; $1 and $2 are the chunk's lower (inclusive) and upper (exclusive) key bounds."),
     Length(1, 65536)]
    public string Query { get; set; } = "";

    [Description("Where results go.")]
    public JobOutput? Output { get; set; }

    [Description("Overrides for the run Pod's job container.")]
    public RunnerOverrides? Runner { get; set; }

    // No schema default: the API server would write it into every stored spec and change the
    // spec hash of jobs created before the field existed (voiding their approvals). Absent = 1.
    [Description("Run Pods sharing the run's credential, each taking the chunks i % parallelism == shard; absent = 1."),
     Range(JobParallelism.Min, JobParallelism.Max)]
    public int? Parallelism { get; set; }
}

/// <summary>The bounds of <c>spec.parallelism</c> and its meaning when absent.</summary>
public static class JobParallelism
{
    public const int Min = 1;
    public const int Max = 32;

    public static int Of(ChunkJobSpec spec) => spec.Parallelism ?? Min;
}

public sealed class Chunking
{
    [Required, Description("The table whose key ranges define the chunks, as schema.table; must be one of spec.tables."),
     Pattern(Identifiers.QualifiedTablePattern)]
    public string Table { get; set; } = "";

    [Required, Description("An integer key column of that table."), Pattern(Identifiers.IdentifierPattern)]
    public string KeyColumn { get; set; } = "";

    [Required, Description("Key values per chunk."), Range(1, 1_000_000)]
    public int ChunkSize { get; set; }
}

public sealed class JobOutput
{
    [Description("Format of exported rows."), Default("csv")]
    public OutputFormat Format { get; set; } = OutputFormat.Csv;

    [Description("stdout (the job container's log; the default when absent) or pvc:<claim>, a PersistentVolumeClaim mounted at /output."),
     Length(1, OutputDestination.MaxLength), Pattern(OutputDestination.Pattern)]
    public string? Destination { get; set; }
}

/// <summary>Where a run writes its rows: <c>stdout</c>, or <c>pvc:&lt;claim&gt;</c> mounted at <see cref="MountPath"/>.</summary>
public static class OutputDestination
{
    public const string Stdout = "stdout";
    public const string ClaimPrefix = "pvc:";
    public const string MountPath = "/output";
    public const int MaxLength = 4 + 253;
    public const string Pattern = "^(stdout|pvc:[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$";

    /// <summary>The claim's name when the destination is a PersistentVolumeClaim, else null.</summary>
    public static string? Claim(JobOutput? output) =>
        output?.Destination is { } destination && destination.StartsWith(ClaimPrefix, StringComparison.Ordinal) ? destination[ClaimPrefix.Length..] : null;

    /// <summary>What the job container gets as CHUNKGATE_OUTPUT: <c>stdout</c> or the mount path.</summary>
    public static string ForRunner(JobOutput? output) => Claim(output) is null ? Stdout : MountPath;
}

public enum OutputFormat
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("csv")] Csv,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("jsonl")] JsonLines,
}

public sealed class RunnerOverrides
{
    [Description("Job container image; defaults to the ChunkGate runner."), Length(1, 512)]
    public string? Image { get; set; }

    [Description("CPU limit, as a Kubernetes quantity (500m, 2)."), Pattern(@"^[0-9]+(\.[0-9]+)?m?$")]
    public string? Cpu { get; set; }

    [Description("Memory limit, as a Kubernetes quantity (256Mi, 1Gi)."), Pattern(@"^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$")]
    public string? Memory { get; set; }
}

public enum JobPhase
{
    /// <summary>Waiting for enough valid approvals of the current spec.</summary>
    AwaitingApproval,
    Running,
    Succeeded,
    Failed,
    /// <summary>The approval expired before the run finished; everything was revoked.</summary>
    Expired,
    /// <summary>The spec breaks a rule that only the controller can check (e.g. unknown connection).</summary>
    Invalid,
}

public sealed class ChunkJobStatus
{
    public long? ObservedGeneration { get; set; }

    public JobPhase? Phase { get; set; }

    [Description("Who designed the current spec, as authenticated by the API server.")]
    public string? Designer { get; set; }

    [Description("Canonical hash of the current spec (sha256:...); approvals bind to it.")]
    public string? SpecHash { get; set; }

    [Description("Approving executors, comma-separated, for display.")]
    public string? Approvers { get; set; }

    public ApprovalSummary? Approval { get; set; }

    public RunStatus? Run { get; set; }

    public ProgressStatus? Progress { get; set; }

    public CheckpointStatus? Checkpoint { get; set; }

    [Description("Runs started so far; the next run is r<runsStarted+1>, so a retry after a crash derives the same run."), Range(0, int.MaxValue)]
    public int? RunsStarted { get; set; }

    [ListMapKey("type")]
    public List<Condition>? Conditions { get; set; }

    [Description("The recordings the operator kept, latest runs last (bounded): kubectl chunk replay shows a ConfigMap only if its uid and digest are the ones here.")]
    public List<KeptRecording>? Recordings { get; set; }
}

/// <summary>
/// An object the operator created for a run, by uid: an object under the run's name with another
/// uid was created by someone else (status is written only by the operator, so this record is not forgeable).
/// </summary>
public sealed class CreatedObject
{
    [Description("Secret or Pod.")]
    public string Kind { get; set; } = "";

    public string Name { get; set; } = "";

    public string Uid { get; set; } = "";
}

/// <summary>A run's recording ConfigMap as the operator created it.</summary>
public sealed class KeptRecording
{
    [Description("The run id (r1, r2, ...).")]
    public string Run { get; set; } = "";

    public string ConfigMap { get; set; } = "";

    public string Uid { get; set; } = "";

    [Description("sha256 of the recording as kept (hex): a recording changed since does not match.")]
    public string Sha256 { get; set; } = "";

    /// <summary>The digest of a recording's text (its UTF-8 bytes), as the operator records it and the plugin checks it.</summary>
    public static string DigestOf(string recording) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(recording)));
}

public sealed class ApprovalSummary
{
    [Description("Names of the ChunkApprovals in force.")]
    public List<string> Approvals { get; set; } = [];

    public List<string> Approvers { get; set; } = [];

    [Description("Earliest expiry among the approvals; the run ends then.")]
    public DateTimeOffset? ExpiresAt { get; set; }
}

/// <summary>
/// The latest run. Recorded before its approvals are consumed and before any credential exists, so
/// a controller that restarts mid-run finds the same run (and issues nothing twice).
/// </summary>
public sealed class RunStatus
{
    [Description("The run's id within the job (r1, r2, ...); its role, Secret and Pod derive from it.")]
    public string? Id { get; set; }

    [Description("The spec hash the run was approved for; a different current hash ends the run.")]
    public string? SpecHash { get; set; }

    [Description("The ChunkApprovals this run consumed.")]
    public List<string>? Approvals { get; set; }

    [Description("When the run's credential, Pod and sidecar end.")]
    public DateTimeOffset? ExpiresAt { get; set; }

    [Description("The run's W3C trace context, given to both containers as TRACEPARENT.")]
    public string? TraceParent { get; set; }

    [Description("The run's first (or only) Pod.")]
    public string? Pod { get; set; }

    [Description("Every Pod of the run, one per shard (spec.parallelism at the run's start).")]
    public List<string>? Pods { get; set; }

    [Description("Name of the Secret holding the ephemeral credential (never the credential itself).")]
    public string? Secret { get; set; }

    [Description("Name of the ephemeral PostgreSQL role.")]
    public string? Role { get; set; }

    [Description("The run's Secret and Pods the operator created, by uid; only these are mounted, counted and kept.")]
    public List<CreatedObject>? Created { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    [Description("When the run ended (credential revoked, Pod and Secret deleted); absent while it runs.")]
    public DateTimeOffset? FinishedAt { get; set; }

    [Description("Why the run ended: Succeeded, Failed, Expired, SpecChanged, ApprovalWithdrawn, JobDeleted or JobInvalid.")]
    public string? Outcome { get; set; }

    [Description("Why the run ended, in words (for a failed chunk: its range and the database's masked message)."), Length(0, 2048)]
    public string? Message { get; set; }
}

public sealed class ProgressStatus
{
    public long ChunksDone { get; set; }
    public long ChunksTotal { get; set; }
    public long Rows { get; set; }

    [Description("Chunks done of total, for display (e.g. 12/40).")]
    public string? Summary { get; set; }
}

/// <summary>
/// The chunks done so far, over every run of the same spec, so a later run with new approvals
/// continues where the last stopped. Valid only while <see cref="SpecHash"/> equals the job's hash.
/// </summary>
public sealed class CheckpointStatus
{
    [Description("The spec hash the chunks were done for.")]
    public string? SpecHash { get; set; }

    [Description("The chunk size of the grid the indices refer to.")]
    public int ChunkSize { get; set; }

    [Description("Indices of the chunks done, as ranges (0-16,18,20-39); bounded: ranges past the bound are left out and redone."),
     Length(0, MaxDoneLength)]
    public string Done { get; set; } = "";

    public const int MaxDoneLength = 16384;
}
