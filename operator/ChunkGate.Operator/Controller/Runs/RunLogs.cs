using System.Text;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Progress;
using ChunkGate.Operator.Recording;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>
/// Reads a run's Pod logs through the API (pods/log; the run Pod itself has no API rights): the
/// runner's records from the job containers, the recording lines from the sidecars. Every read is
/// bounded (<see cref="ControllerOptions.MaxLogBytes"/>, lines of at most 8 KiB) and a log that cannot
/// be read (container not started yet, Pod gone) counts as empty: progress is best effort, the
/// run's outcome comes from the Pods' phases. Only Pods whose uid the job's status records are read
/// (<see cref="RunObjects"/>): a Pod planted under a run's name never adds progress or recording lines.
/// </summary>
internal sealed class RunLogs(ControllerClients clients, ControllerCaches caches, LiveRuns live, ControllerOptions options)
{
    /// <summary>The records of each shard's job container (index = shard).</summary>
    /// <remarks>
    /// A Pod still running is read for the last few progress intervals only (<c>sinceSeconds</c>):
    /// an export to stdout makes the log large, and chunks already counted are in the checkpoint.
    /// A finished Pod is read whole, once more, so no record of its end is missed.
    /// </remarks>
    public async Task<IReadOnlyList<IReadOnlyList<RunRecord>>> RecordsAsync(ChunkJob job, RunStatus run, CancellationToken cancellationToken)
    {
        var ns = job.Metadata.NamespaceProperty;
        var window = (int)Math.Ceiling(options.ProgressInterval.TotalSeconds * 3);
        var pods = Jobs.JobObserver.RunPodNames(run);
        var result = new List<IReadOnlyList<RunRecord>>(pods.Count);
        foreach (var name in pods)
        {
            var records = new List<RunRecord>();
            var pod = caches.Pods.Get(ns, name);
            if (pod is not null && Started(pod, RunPodBuilder.JobContainer) && await live.IsOursAsync(job, run, RunObjects.PodKind, pod.Metadata, cancellationToken).ConfigureAwait(false))
            {
                await ReadAsync(ns, name, RunPodBuilder.JobContainer, pod.Status?.Phase == "Running" ? window : null, RunRecordParser.MaxLineBytes, line =>
                {
                    if (RunRecordParser.TryParse(line.Span, out var record))
                    {
                        records.Add(record!);
                    }
                }, cancellationToken).ConfigureAwait(false);
            }

            result.Add(records);
        }

        return result;
    }

    /// <summary>The recording lines of each shard's sidecar (index = shard).</summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> RecordingAsync(ChunkJob job, RunStatus run, CancellationToken cancellationToken)
    {
        var ns = job.Metadata.NamespaceProperty;
        var pods = Jobs.JobObserver.RunPodNames(run);
        var result = new List<IReadOnlyList<string>>(pods.Count);
        foreach (var name in pods)
        {
            var lines = new List<string>();
            var pod = caches.Pods.Get(ns, name) ?? await clients.Kubernetes.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken).OrNull().ConfigureAwait(false);
            if (pod is not null && Started(pod, RunPodBuilder.SidecarContainer) && await live.IsOursAsync(job, run, RunObjects.PodKind, pod.Metadata, cancellationToken).ConfigureAwait(false))
            {
                await ReadAsync(ns, name, RunPodBuilder.SidecarContainer, null, RecordingLineLimit, line =>
                {
                    if (RecordingCollector.IsRecordingLine(line.Span))
                    {
                        lines.Add(Encoding.UTF8.GetString(line.Span));
                    }
                }, cancellationToken).ConfigureAwait(false);
            }

            result.Add(lines);
        }

        return result;
    }

    /// <summary>A recording line carries a masked statement text (up to the sidecar's statement size): long lines are kept up to this.</summary>
    private const int RecordingLineLimit = 256 * 1024;

    private static bool Started(V1Pod pod, string container) =>
        (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? [])
            .Any(s => s.Name == container && (s.State?.Running is not null || s.State?.Terminated is not null));

    private async Task ReadAsync(string ns, string pod, string container, int? sinceSeconds, int maxLineBytes, Action<ReadOnlyMemory<byte>> line, CancellationToken cancellationToken)
    {
        try
        {
            await using var log = await clients.Kubernetes.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container,
                limitBytes: (int)Math.Min(options.MaxLogBytes, int.MaxValue), sinceSeconds: sinceSeconds, cancellationToken: cancellationToken).ConfigureAwait(false);
            await LogLines.ReadAsync(log, options.MaxLogBytes, maxLineBytes, line, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is k8s.Autorest.HttpOperationException or KubernetesApiException or HttpRequestException or IOException)
        {
            // Not readable now (not started, gone, or the connection broke): what was read counts, the next look reads again.
        }
    }
}
