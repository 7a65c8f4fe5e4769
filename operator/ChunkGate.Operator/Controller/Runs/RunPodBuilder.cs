using System.Globalization;
using System.Text.Json;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Json;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>
/// The run Pod: the job container reaches the database only through the sidecar on localhost and
/// never sees a credential; the sidecar alone mounts the run's Secret. No service account token,
/// non-root, read-only root filesystems, no capabilities, no privilege escalation, and an
/// <c>activeDeadlineSeconds</c> that ends the Pod at the approval's expiry even if the operator is down.
/// </summary>
public static class RunPodBuilder
{
    public const string JobContainer = "job";
    public const string SidecarContainer = "sidecar";
    private const string SecretVolume = "sidecar-config";
    private const string ScratchVolume = "tmp";
    private const string OutputVolume = "output";
    private const long NonRootUser = 65532;

    /// <summary>The Pod of one shard of the run.</summary>
    /// <param name="doneChunks">The checkpoint's chunks the runner skips (CHUNKGATE_DONE_CHUNKS); empty for none.</param>
    public static V1Pod Build(RunRequest run, int shard, string doneChunks, string runnerImage, string sidecarImage, int sidecarPort, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, run.Shards);
        var runner = run.Spec.Runner;
        var claim = OutputDestination.Claim(run.Spec.Output);
        var metadata = RunMetadata.For(run, run.Names.PodFor(shard, run.Shards));
        metadata.Labels[RunLabels.Shard] = shard.ToString(CultureInfo.InvariantCulture);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = metadata,
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                ActiveDeadlineSeconds = ActiveDeadlineSeconds(run.ExpiresAt, now),
                AutomountServiceAccountToken = false,
                EnableServiceLinks = false,
                SecurityContext = new V1PodSecurityContext
                {
                    RunAsNonRoot = true,
                    RunAsUser = NonRootUser,
                    RunAsGroup = NonRootUser,
                    FsGroup = NonRootUser,
                    SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                },
                // A native sidecar (an init container that keeps running): it starts before the job
                // container and is stopped once the job container ends, so the Pod succeeds or fails with the job.
                InitContainers =
                [
                    new V1Container
                    {
                        Name = SidecarContainer,
                        RestartPolicy = "Always",
                        Image = sidecarImage,
                        Args = ["serve", "--config", $"{RunSecretBuilder.MountPath}/{RunSecretBuilder.ConfigKey}"],
                        // The configuration names its files relative to the Secret's mount (see RunSecretBuilder).
                        WorkingDir = RunSecretBuilder.MountPath,
                        Env = [.. TraceEnv(run)],
                        Resources = Resources("500m", "512Mi"),
                        SecurityContext = Locked(),
                        VolumeMounts = [new V1VolumeMount { Name = SecretVolume, MountPath = RunSecretBuilder.MountPath, ReadOnlyProperty = true }],
                    },
                ],
                Containers =
                [
                    new V1Container
                    {
                        Name = JobContainer,
                        Image = string.IsNullOrEmpty(runner?.Image) ? runnerImage : runner.Image,
                        Env =
                        [
                            Env("PGHOST", "127.0.0.1"),
                            Env("PGPORT", sidecarPort.ToString(CultureInfo.InvariantCulture)),
                            Env("PGDATABASE", run.Connection.Endpoint.Database),
                            Env("PGUSER", "chunkgate"),
                            Env("PGSSLMODE", "disable"),
                            Env("CHUNKGATE_JOB", $"{run.Namespace}/{run.JobName}"),
                            Env("CHUNKGATE_RUN", run.RunId),
                            Env("CHUNKGATE_EXPIRES_AT", run.ExpiresAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
                            Env("CHUNKGATE_JOB_SPEC", JsonSerializer.Serialize(run.Spec, KubernetesJsonOptions.Default)),
                            Env("CHUNKGATE_SHARD", shard.ToString(CultureInfo.InvariantCulture)),
                            Env("CHUNKGATE_SHARDS", run.Shards.ToString(CultureInfo.InvariantCulture)),
                            Env("CHUNKGATE_DONE_CHUNKS", doneChunks),
                            Env("CHUNKGATE_OUTPUT", OutputDestination.ForRunner(run.Spec.Output)),
                            .. TraceEnv(run),
                        ],
                        Resources = Resources(runner?.Cpu ?? "500m", runner?.Memory ?? "256Mi"),
                        SecurityContext = Locked(),
                        VolumeMounts =
                        [
                            new V1VolumeMount { Name = ScratchVolume, MountPath = "/tmp" },
                            .. claim is null ? [] : new[] { new V1VolumeMount { Name = OutputVolume, MountPath = OutputDestination.MountPath } },
                        ],
                    },
                ],
                Volumes =
                [
                    new V1Volume { Name = SecretVolume, Secret = new V1SecretVolumeSource { SecretName = run.Names.Secret, DefaultMode = 256 } },
                    new V1Volume { Name = ScratchVolume, EmptyDir = new V1EmptyDirVolumeSource() },
                    .. claim is null ? [] : new[] { new V1Volume { Name = OutputVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claim } } },
                ],
            },
        };
    }

    /// <summary>Whole seconds left until expiry, rounded down so the Pod never outlives the approval; at least 1 (the API refuses 0).</summary>
    public static long ActiveDeadlineSeconds(DateTimeOffset expiresAt, DateTimeOffset now) =>
        Math.Max(1, (long)Math.Floor((expiresAt - now).TotalSeconds));

    private static IEnumerable<V1EnvVar> TraceEnv(RunRequest run) =>
        run.TraceParent is null ? [] : [Env("TRACEPARENT", run.TraceParent)];

    private static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    private static V1SecurityContext Locked() => new()
    {
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = true,
        RunAsNonRoot = true,
        Privileged = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    private static V1ResourceRequirements Resources(string cpu, string memory) => new()
    {
        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) },
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory) },
    };
}
