using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubectl.Review;
using k8s.Models;

namespace ChunkGate.Kubectl.Audit;

/// <summary>One line of a job's audit timeline. Source is <c>event</c> (an Event) or <c>status</c> (what an object records).</summary>
internal sealed record AuditEntry(DateTimeOffset? Time, string Source, string Type, string Object, string Reason, string Message, int Count = 1);

/// <summary>
/// A job's audit timeline, oldest first: the Events on the job and its approvals (core/v1 and
/// events.k8s.io/v1 read the same stored Events on a real server, so one seen through both counts
/// once, by uid), and what the objects themselves record: the job's creation and designer, each
/// approval, each run's start and end, each condition's last change. Pure.
/// </summary>
internal static class AuditTimeline
{
    public static IReadOnlyList<AuditEntry> Build(ChunkJob job, IEnumerable<ChunkApproval> approvals, IEnumerable<Corev1Event> coreEvents, IEnumerable<Eventsv1Event> newEvents)
    {
        var approvalList = approvals.ToList();
        var entries = new List<AuditEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in coreEvents)
        {
            if (e.Metadata?.Uid is { } uid && !seen.Add(uid))
            {
                continue;
            }

            entries.Add(new AuditEntry(
                Times.Utc(e.LastTimestamp) ?? Times.Utc(e.EventTime) ?? Times.Utc(e.FirstTimestamp) ?? Times.Utc(e.Metadata?.CreationTimestamp),
                "event", e.Type ?? "", $"{e.InvolvedObject?.Kind}/{e.InvolvedObject?.Name}", e.Reason ?? "", e.Message ?? "", e.Count is > 1 ? e.Count.Value : 1));
        }

        var names = approvalList.Select(a => a.Metadata.Name)
            .Concat(job.Status?.Run?.Approvals ?? [])
            .Concat(job.Status?.Approval?.Approvals ?? [])
            .ToHashSet(StringComparer.Ordinal);
        foreach (var e in newEvents)
        {
            var about = e.Regarding;
            var ours = about is not null
                && ((about.Kind == job.Kind && about.Name == job.Metadata.Name) || (about.Kind == "ChunkApproval" && names.Contains(about.Name)));
            if (!ours || (e.Metadata?.Uid is { } uid && !seen.Add(uid)))
            {
                continue;
            }

            entries.Add(new AuditEntry(
                Times.Utc(e.DeprecatedLastTimestamp) ?? Times.Utc(e.EventTime) ?? Times.Utc(e.DeprecatedFirstTimestamp) ?? Times.Utc(e.Metadata?.CreationTimestamp),
                "event", e.Type ?? "", $"{about!.Kind}/{about.Name}", e.Reason ?? "", e.Note ?? "", e.DeprecatedCount is > 1 ? e.DeprecatedCount.Value : (e.Series?.Count ?? 1)));
        }

        entries.AddRange(FromStatus(job, approvalList));

        // Stable: entries with equal times keep the order above (events, then what status records).
        // A real server keeps core/v1 Event times to the second, so an Event may sort before a status
        // time of the same second that preceded it; the table shows whole seconds either way.
        return [.. entries.Select((entry, index) => (entry, index))
            .OrderBy(x => x.entry.Time ?? DateTimeOffset.MaxValue).ThenBy(x => x.index)
            .Select(x => x.entry)];
    }

    private static IEnumerable<AuditEntry> FromStatus(ChunkJob job, IReadOnlyList<ChunkApproval> approvals)
    {
        var jobObject = $"ChunkJob/{job.Metadata.Name}";
        var designer = JobFacts.Designer(job);
        yield return new AuditEntry(Times.Utc(job.Metadata.CreationTimestamp), "status", "", jobObject, "Created",
            designer is null ? "created (no designer stamp)" : $"created by {designer}");

        foreach (var a in approvals)
        {
            var spec = a.Spec;
            yield return new AuditEntry(Times.Utc(a.Metadata.CreationTimestamp), "status", "", $"ChunkApproval/{a.Metadata.Name}", "Approved",
                $"{spec.Approver ?? "(no approver stamp)"} approved spec {JobFacts.Short(spec.JobSpecHash)} for {spec.Ttl}, until {Times.Format(spec.ExpiresAt)}: {spec.Reason}");
        }

        if (job.Status?.Run is { } run)
        {
            yield return new AuditEntry(run.StartedAt, "status", "", jobObject, "RunStarted",
                $"run {run.Id} for spec {JobFacts.Short(run.SpecHash)} with {string.Join(", ", run.Approvals ?? [])}, until {Times.Format(run.ExpiresAt)}");
            if (run.FinishedAt is { } finished)
            {
                yield return new AuditEntry(finished, "status", "", jobObject, "RunEnded", $"run {run.Id} ended: {run.Outcome ?? "(no outcome)"}");
            }
        }

        foreach (var condition in job.Status?.Conditions ?? [])
        {
            yield return new AuditEntry(condition.LastTransitionTime, "status", "", jobObject, condition.Reason,
                $"{condition.Type}={condition.Status}: {condition.Message}");
        }
    }
}
