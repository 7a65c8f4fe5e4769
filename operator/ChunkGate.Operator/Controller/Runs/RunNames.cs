using System.Security.Cryptography;
using System.Text;
using ChunkGate.Broker.Credentials;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>
/// The deterministic names of one run's children, derived from the job and the run id, so a retry
/// after a crash finds what the first attempt created (and AlreadyExists means done).
/// </summary>
public sealed record RunNames(string Pod, string Secret, string Role, string Recording)
{
    /// <summary>
    /// Pod names become host names: kept within 63 characters with room for a shard suffix (-31),
    /// a long job name is cut and a digest keeps it unique.
    /// </summary>
    private const int MaxBase = 63 - 8 - 3;

    public const string SecretSuffix = "-sidecar";

    /// <summary>The ConfigMap that keeps the run's session recording after its Pods are gone (the run contract's name).</summary>
    public const string RecordingSuffix = "-recording";

    public static RunNames For(string jobName, string jobUid, string runId)
    {
        var name = $"{jobName}-{runId}";
        if (name.Length > MaxBase)
        {
            var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 4));
            name = $"{jobName[..(MaxBase - runId.Length - 10)].TrimEnd('-', '.')}-{digest}-{runId}";
        }

        return new RunNames(name, name + SecretSuffix, RoleNames.For(jobUid, RunNumber(runId)), RecordingName(jobName, runId));
    }

    /// <summary>One Pod per shard: the run's name alone for a single Pod (as before parallelism), else name-shard.</summary>
    public string PodFor(int shard, int shards) =>
        shards <= 1 ? Pod : $"{Pod}-{shard.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    public IReadOnlyList<string> Pods(int shards) => [.. Enumerable.Range(0, Math.Max(1, shards)).Select(shard => PodFor(shard, shards))];

    /// <summary>&lt;job&gt;-&lt;run&gt;-recording; an object name over 253 characters is cut and a digest keeps it unique.</summary>
    private static string RecordingName(string jobName, string runId)
    {
        var name = $"{jobName}-{runId}{RecordingSuffix}";
        if (name.Length <= 253)
        {
            return name;
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 4));
        return $"{jobName[..(253 - runId.Length - RecordingSuffix.Length - 10)].TrimEnd('-', '.')}-{digest}-{runId}{RecordingSuffix}";
    }

    /// <summary>The number in a run id (r3 → 3), which the broker's role name and ledger use.</summary>
    public static int RunNumber(string runId) =>
        runId.Length > 1 && runId[0] == 'r' && int.TryParse(runId.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"'{runId}' is not a run id (r1, r2, ...)", nameof(runId));
}

/// <summary>The labels and annotations that link a run's Pod and Secret to their job, run and approvals.</summary>
public static class RunLabels
{
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "chunkgate";
    public const string Job = "chunkgate.io/job";
    public const string JobUid = "chunkgate.io/job-uid";
    public const string Run = "chunkgate.io/run";
    public const string Shard = "chunkgate.io/shard";
    public const string Approvals = "chunkgate.io/approvals";

    /// <summary>Selects every object the controller creates for runs (the Pod and Secret informers watch only these).</summary>
    public const string Selector = ManagedBy + "=" + ManagedByValue;
}
