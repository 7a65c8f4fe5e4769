namespace ChunkGate.Operator.Controller;

/// <summary>
/// Everything the controller runs with. The host validates and fills it from its settings; the
/// controller only reads it. <see cref="Validate"/> names the first bad setting.
/// </summary>
/// <param name="WatchNamespaces">Namespaces whose ChunkGate objects are reconciled; empty means all.</param>
/// <param name="OperatorNamespace">Where the operator runs; the default namespace of the Lease.</param>
/// <param name="RunnerImage">The job container's image, unless a job names its own (<c>spec.runner.image</c>).</param>
/// <param name="SidecarImage">The masking sidecar's image.</param>
/// <param name="Identity">This replica's name on the Lease and on Events (e.g. the Pod name).</param>
public sealed record ControllerOptions(
    IReadOnlyList<string> WatchNamespaces,
    string OperatorNamespace,
    string RunnerImage,
    string SidecarImage,
    string Identity)
{
    public string LeaseName { get; init; } = "chunkgate-controller";

    /// <summary>Null: <see cref="OperatorNamespace"/>.</summary>
    public string? LeaseNamespace { get; init; }

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the broker's sweep revokes roles whose run is over (rule 8); it also runs when leadership starts.</summary>
    public TimeSpan SweepPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A role issued this recently counts as live in a sweep even when the cached job does not show
    /// its run yet: the run is recorded in status before the role is issued, but the cache may lag.
    /// </summary>
    public TimeSpan SweepGrace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Reconciles running at once, per kind. A run's start is bound by the node's CPU (API writes,
    /// webhook reviews, the role's grants), so more workers do not start a burst sooner; a run's end
    /// mostly waits (sessions ending, locks), and 100 runs expiring together were revoked p99 2.5 and
    /// 4.2 s after expiry with 12 workers against 4.7 and 5.2 s with 4 (make bench BENCH=controller,
    /// two runs each, interleaved, no other jobs cached). 16 once stalled the webhooks when each
    /// approval's review listed every approval of its namespace (it reads the cache now).
    /// </summary>
    public int Workers { get; init; } = 12;

    /// <summary>Kubeconfig file; null: the client's default (KUBECONFIG, ~/.kube/config, in-cluster).</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Context in <see cref="Kubeconfig"/>; null: its current context.</summary>
    public string? KubeContext { get; init; }

    /// <summary>Port the sidecar listens on in the run Pod (loopback); the job container connects there.</summary>
    public int SidecarPort { get; init; } = 6432;

    /// <summary>OTLP endpoint given to the sidecar (null: it exports nothing).</summary>
    public string? SidecarOtlpEndpoint { get; init; }

    /// <summary>
    /// While a run is live its runner logs are read again after this long (besides every change of
    /// its Pods), so status.progress moves without polling faster than this. See <see cref="Jobs.ChunkJobReconciler"/>.
    /// </summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes of one container log read at most per look (progress records, recording lines).</summary>
    public long MaxLogBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Bytes of recording kept per run in its ConfigMap (under the 1 MiB object limit); a marker line says when it was cut.</summary>
    public int MaxRecordingBytes { get; init; } = 512 * 1024;

    public string EffectiveLeaseNamespace => LeaseNamespace ?? OperatorNamespace;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        Require(OperatorNamespace, "operator namespace");
        Require(RunnerImage, "runner image");
        Require(SidecarImage, "sidecar image");
        Require(Identity, "identity");
        Require(LeaseName, "lease name");
        if (WatchNamespaces.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("watch namespaces: an empty namespace name");
        }

        if (LeaseDuration <= RenewDeadline || RenewDeadline <= RetryPeriod || RetryPeriod <= TimeSpan.Zero)
        {
            errors.Add($"leader election: need lease duration ({LeaseDuration}) > renew deadline ({RenewDeadline}) > retry period ({RetryPeriod}) > 0");
        }

        if (ProgressInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"progress interval: must be at least 1s, got {ProgressInterval}");
        }

        if (MaxRecordingBytes is < 1024 or > 900 * 1024)
        {
            errors.Add($"recording size: must be between 1 KiB and 900 KiB (a ConfigMap holds at most 1 MiB), got {MaxRecordingBytes}");
        }

        if (MaxLogBytes < 64 * 1024)
        {
            errors.Add($"log read size: must be at least 64 KiB, got {MaxLogBytes}");
        }

        if (SweepPeriod <= TimeSpan.Zero)
        {
            errors.Add($"sweep period: must be positive, got {SweepPeriod}");
        }

        if (Workers is < 1 or > 64)
        {
            errors.Add($"workers: must be between 1 and 64, got {Workers}");
        }

        if (SidecarPort is < 1 or > 65535)
        {
            errors.Add($"sidecar port: must be between 1 and 65535, got {SidecarPort}");
        }

        return errors;

        void Require(string? value, string name)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{name}: required");
            }
        }
    }
}
