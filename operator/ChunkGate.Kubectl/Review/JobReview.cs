using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Validation;

namespace ChunkGate.Kubectl.Review;

/// <summary>Everything a reviewer must read before approving a job (<c>kubectl chunk show</c>; also its -o json|yaml document).</summary>
internal sealed record JobReview(
    string Namespace,
    string Name,
    string SpecHash,
    string? Designer,
    string Phase,
    string Action,
    IReadOnlyList<string> Tables,
    ChunkingView Chunking,
    string Query,
    string Output,
    string? RunnerImage,
    ConnectionView Connection,
    MaskingView Masking,
    IReadOnlyList<ApprovalView> Approvals,
    RunView? Run,
    string? Note);

internal sealed record ChunkingView(string Table, string KeyColumn, int ChunkSize);

internal sealed record ConnectionView(string Name, bool Exists, string? Endpoint, string? MaxTTL, IReadOnlyList<string> AllowedActions, IReadOnlyList<string> ExecutorGroups, int RequiredApprovals);

internal sealed record MaskingView(IReadOnlyList<ColumnMaskView> Columns, IReadOnlyList<string> Detectors);

internal sealed record ColumnMaskView(string Column, string Strategy);

internal sealed record ApprovalView(string Name, string? Approver, string State, string? JobSpecHash, string Ttl, DateTimeOffset? ExpiresAt, string Reason, DateTimeOffset? CreatedAt)
{
    internal ApprovalStanding Standing { get; init; }
}

internal sealed record RunView(string? Id, string? Outcome, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? ExpiresAt, IReadOnlyList<string> Approvals, string? Progress, long? Rows);

internal static class JobReviews
{
    public static JobReview Build(ChunkJob job, DataConnection? connection, IEnumerable<ChunkApproval> approvals, DateTimeOffset now)
    {
        var spec = job.Spec;
        var hash = JobFacts.SpecHash(job);
        var status = job.Status;
        var connectionName = spec.ConnectionRef?.Name ?? "";
        var connectionView = connection is null
            ? new ConnectionView(connectionName, false, null, null, [], [], 0)
            : new ConnectionView(connectionName, true, Endpoint(connection.Spec.Endpoint), connection.Spec.MaxTTL,
                [.. connection.Spec.AllowedActions.Select(a => a.ToString().ToLowerInvariant())],
                connection.Spec.ExecutorGroups, Math.Max(1, connection.Spec.RequiredApprovals));
        var approvalViews = approvals
            .Where(a => a.Spec.JobRef?.Name == job.Metadata.Name)
            .OrderBy(a => a.Metadata.CreationTimestamp)
            .Select(a =>
            {
                var state = ApprovalState.Of(a, hash, job.Metadata.Uid, now);
                return new ApprovalView(a.Metadata.Name, a.Spec.Approver, state.Text, a.Spec.JobSpecHash, a.Spec.Ttl, a.Spec.ExpiresAt, a.Spec.Reason, Times.Utc(a.Metadata.CreationTimestamp))
                {
                    Standing = state.Standing,
                };
            })
            .ToList();
        var run = status?.Run is { } r
            ? new RunView(r.Id, r.Outcome, r.StartedAt, r.FinishedAt, r.ExpiresAt, r.Approvals ?? [], status.Progress?.Summary, status.Progress?.Rows)
            : null;
        string? note = null;
        if (status?.SpecHash is { } seen && !string.Equals(seen, hash, StringComparison.Ordinal))
        {
            note = $"the controller has not yet seen this spec (its status is for {JobFacts.Short(seen)})";
        }

        return new JobReview(
            job.Metadata.NamespaceProperty,
            job.Metadata.Name,
            hash,
            JobFacts.Designer(job),
            status?.Phase?.ToString() ?? "(not yet reconciled)",
            spec.Action.ToString().ToLowerInvariant(),
            spec.Tables,
            new ChunkingView(spec.Chunking.Table, spec.Chunking.KeyColumn, spec.Chunking.ChunkSize),
            spec.Query,
            spec.Output?.Format == OutputFormat.JsonLines ? "jsonl" : "csv",
            spec.Runner?.Image,
            connectionView,
            MaskingFor(spec.Tables, connection?.Spec.Masking),
            approvalViews,
            run,
            note);
    }

    /// <summary>The connection's column rules on the job's tables (the others cannot apply), and its detectors (they apply to every value).</summary>
    public static MaskingView MaskingFor(IEnumerable<string> tables, MaskingRules? masking)
    {
        var granted = tables
            .Select(t => Identifiers.TryParseQualified(t, 2, out var names) ? (names[0], names[1]) : default)
            .Where(t => t != default)
            .ToHashSet();
        var columns = (masking?.Columns ?? [])
            .Where(c => Identifiers.TryParseQualified(c.Column, 3, out var names) && granted.Contains((names[0], names[1])))
            .Select(c => new ColumnMaskView(c.Column, c.Strategy.ToString().ToLowerInvariant()))
            .ToList();
        return new MaskingView(columns, [.. (masking?.Detectors ?? []).Select(d => d.ToString().ToLowerInvariant())]);
    }

    private static string Endpoint(Endpoint endpoint) =>
        $"postgresql://{endpoint.Host}:{endpoint.Port}/{endpoint.Database} (TLS {endpoint.SslMode switch { SslMode.Disable => "disabled", SslMode.Require => "required, not verified", _ => "verify-full" }})";
}
