using System.Text.RegularExpressions;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Kubectl.Review;
using k8s.Models;

namespace ChunkGate.Kubectl.Audit;

/// <summary>
/// One line of a job's audit timeline. Source is <c>event</c> (an Event) or <c>status</c> (what an
/// object records); <see cref="Run"/> is the run (r1, r2, …) the line is about, when it is about one.
/// </summary>
internal sealed record AuditEntry(DateTimeOffset? Time, string? Run, string Source, string Type, string Object, string Reason, string Message, int Count = 1);

/// <summary>
/// A job's audit timeline over every run the cluster still knows of, oldest first: the Events on
/// the job and its approvals (core/v1 and events.k8s.io/v1 read the same stored Events on a real
/// server, so one seen through both counts once, by uid), and what the objects themselves record:
/// the job's creation and designer, each approval and its latest verdict (the run that consumed it),
/// the latest run's start and end (status keeps only the latest run; earlier runs are told by their
/// Events and their approvals), each condition's last change. Only this job counts: Events and
/// approvals of an earlier job of the same name (another uid) are left out. Pure.
/// </summary>
internal static partial class AuditTimeline
{
    public static IReadOnlyList<AuditEntry> Build(ChunkJob job, IEnumerable<ChunkApproval> approvals, IEnumerable<Corev1Event> coreEvents, IEnumerable<Eventsv1Event> newEvents)
    {
        var approvalList = OfThisJob(job, approvals);
        var names = ApprovalNames(job, approvalList);
        var entries = new List<AuditEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in coreEvents)
        {
            if (!About(job, names, e.InvolvedObject) || (e.Metadata?.Uid is { } uid && !seen.Add(uid)))
            {
                continue;
            }

            entries.Add(Event(
                Times.Utc(e.LastTimestamp) ?? Times.Utc(e.EventTime) ?? Times.Utc(e.FirstTimestamp) ?? Times.Utc(e.Metadata?.CreationTimestamp),
                e.Type, e.InvolvedObject!, e.Reason, e.Message, e.Count is > 1 ? e.Count.Value : 1));
        }

        foreach (var e in newEvents)
        {
            if (!About(job, names, e.Regarding) || (e.Metadata?.Uid is { } uid && !seen.Add(uid)))
            {
                continue;
            }

            entries.Add(Event(
                Times.Utc(e.DeprecatedLastTimestamp) ?? Times.Utc(e.EventTime) ?? Times.Utc(e.DeprecatedFirstTimestamp) ?? Times.Utc(e.Metadata?.CreationTimestamp),
                e.Type, e.Regarding!, e.Reason, e.Note, e.DeprecatedCount is > 1 ? e.DeprecatedCount.Value : (e.Series?.Count ?? 1)));
        }

        entries.AddRange(FromStatus(job, approvalList));

        // Stable: entries with equal times keep the order above (events, then what status records).
        // A real server keeps core/v1 Event times to the second, so an Event may sort before a status
        // time of the same second that preceded it; the table shows whole seconds either way.
        return [.. entries.Select((entry, index) => (entry, index))
            .OrderBy(x => x.entry.Time ?? DateTimeOffset.MaxValue).ThenBy(x => x.index)
            .Select(x => x.entry)];
    }

    /// <summary>The approvals stamped with this job's uid (the only ones the controller ever counts for it).</summary>
    public static IReadOnlyList<ChunkApproval> OfThisJob(ChunkJob job, IEnumerable<ChunkApproval> approvals) =>
        [.. approvals.Where(a => a.Spec.JobRef?.Name == job.Metadata.Name && !string.IsNullOrEmpty(a.Spec.JobUid) && a.Spec.JobUid == job.Metadata.Uid)];

    /// <summary>This job's approvals, and those its status names (deleted since, e.g. by a revoke; their Events stay).</summary>
    public static IReadOnlySet<string> ApprovalNames(ChunkJob job, IEnumerable<ChunkApproval> approvals) =>
        approvals.Select(a => a.Metadata.Name)
            .Concat(job.Status?.Run?.Approvals ?? [])
            .Concat(job.Status?.Approval?.Approvals ?? [])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>An Event about this job (by uid when the Event names one) or one of its approvals.</summary>
    private static bool About(ChunkJob job, IReadOnlySet<string> approvals, V1ObjectReference? about) =>
        about switch
        {
            { Kind: "ChunkJob" } when about.Name == job.Metadata.Name => string.IsNullOrEmpty(about.Uid) || about.Uid == job.Metadata.Uid,
            { Kind: "ChunkApproval" } => about.Name is not null && approvals.Contains(about.Name),
            _ => false,
        };

    private static AuditEntry Event(DateTimeOffset? time, string? type, V1ObjectReference about, string? reason, string? message, int count) =>
        new(time, RunNamedIn(message), "event", type ?? "", $"{about.Kind}/{about.Name}", reason ?? "", message ?? "", count);

    /// <summary>The controller names the run in every message about one: "run r2 started in Pod …", "role … of run r2 revoked".</summary>
    private static string? RunNamedIn(string? message) =>
        message is not null && RunMention().Match(message) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex(@"\brun (r[0-9]+)\b")]
    private static partial Regex RunMention();

    private static IEnumerable<AuditEntry> FromStatus(ChunkJob job, IReadOnlyList<ChunkApproval> approvals)
    {
        var jobObject = $"ChunkJob/{job.Metadata.Name}";
        var designer = JobFacts.Designer(job);
        yield return new AuditEntry(Times.Utc(job.Metadata.CreationTimestamp), null, "status", "", jobObject, "Created",
            designer is null ? "created (no designer stamp)" : $"created by {designer}");

        foreach (var a in approvals)
        {
            var spec = a.Spec;
            var approvalObject = $"ChunkApproval/{a.Metadata.Name}";
            var run = a.Status?.ConsumedBy;
            yield return new AuditEntry(Times.Utc(a.Metadata.CreationTimestamp), run, "status", "", approvalObject, "Approved",
                $"{spec.Approver ?? "(no approver stamp)"} approved spec {JobFacts.Short(spec.JobSpecHash)} for {spec.Ttl}, until {Times.Format(spec.ExpiresAt)}: {spec.Reason}");
            foreach (var condition in a.Status?.Conditions ?? [])
            {
                yield return new AuditEntry(condition.LastTransitionTime, RunNamedIn(condition.Message) ?? run, "status", "", approvalObject, condition.Reason,
                    $"{condition.Type}={condition.Status}: {condition.Message}");
            }
        }

        if (job.Status?.Run is { } latest)
        {
            yield return new AuditEntry(latest.StartedAt, latest.Id, "status", "", jobObject, "RunStarted",
                $"run {latest.Id} for spec {JobFacts.Short(latest.SpecHash)} with {string.Join(", ", latest.Approvals ?? [])}, until {Times.Format(latest.ExpiresAt)}");
            if (latest.FinishedAt is { } finished)
            {
                yield return new AuditEntry(finished, latest.Id, "status", "", jobObject, "RunEnded", $"run {latest.Id} ended: {latest.Outcome ?? "(no outcome)"}");
            }
        }

        foreach (var condition in job.Status?.Conditions ?? [])
        {
            yield return new AuditEntry(condition.LastTransitionTime, RunNamedIn(condition.Message), "status", "", jobObject, condition.Reason,
                $"{condition.Type}={condition.Status}: {condition.Message}");
        }
    }
}
