using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Sql;

namespace ChunkGate.Broker.Credentials;

/// <summary>One approved run of a job: who it is for, what it may do, on which tables, until when.</summary>
/// <param name="Tables">The job's <c>tables</c> as written in its spec (<c>schema.table</c>).</param>
public sealed record CredentialRequest(
    string JobUid,
    string Namespace,
    string Name,
    int Run,
    JobAction Action,
    IReadOnlyList<string> Tables,
    DateTimeOffset ExpiresAt)
{
    /// <summary>Sessions the role may hold at once (the runner needs one, the sidecar's catalog reads another).</summary>
    public int ConnectionLimit { get; init; } = 4;

    public string RoleName => RoleNames.For(JobUid, Run);

    /// <summary>The parsed tables, or a terminal error naming the first bad one.</summary>
    public IReadOnlyList<TableName> ParsedTables()
    {
        if (string.IsNullOrWhiteSpace(JobUid))
        {
            throw new BrokerException("a credential needs the job's uid", retryable: false);
        }

        if (Run < 1)
        {
            throw new BrokerException($"run must be 1 or more, got {Run}", retryable: false);
        }

        if (Tables.Count == 0)
        {
            throw new BrokerException("a credential needs at least one table", retryable: false);
        }

        if (ConnectionLimit is < 1 or > 100)
        {
            throw new BrokerException($"connection limit must be between 1 and 100, got {ConnectionLimit}", retryable: false);
        }

        return Tables.Select(TableName.Parse).Distinct().ToList();
    }
}
