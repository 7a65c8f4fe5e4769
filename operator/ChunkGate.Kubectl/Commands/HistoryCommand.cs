using ChunkGate.Kubectl.Audit;
using ChunkGate.Kubectl.Output;
using ChunkGate.Kubectl.Review;
using k8s.Models;

namespace ChunkGate.Kubectl.Commands;

/// <summary><c>kubectl chunk history JOB</c>: the audit timeline of every run still on record, oldest first.</summary>
internal static class HistoryCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var job = await context.Objects.JobAsync(context.Namespace, context.Job, cancellationToken);
        var approvals = AuditTimeline.OfThisJob(job, await context.Objects.ApprovalsOfAsync(context.Namespace, context.Job, cancellationToken));
        var core = new List<Corev1Event>(await context.Objects.CoreEventsAsync(context.Namespace, "ChunkJob", context.Job, cancellationToken));
        foreach (var name in AuditTimeline.ApprovalNames(job, approvals))
        {
            core.AddRange(await context.Objects.CoreEventsAsync(context.Namespace, "ChunkApproval", name, cancellationToken));
        }

        var newer = await context.Objects.NewEventsAsync(context.Namespace, cancellationToken);
        var timeline = AuditTimeline.Build(job, approvals, core, newer);
        if (context.Format != OutputFormat.Text)
        {
            StructuredOutput.Write(context.Out, context.Format, new { job = JobFacts.Qualified(job), entries = timeline });
            return 0;
        }

        TextTable.Write(context.Out, ["time", "run", "source", "type", "object", "reason", "message"], timeline.Select(e => (IReadOnlyList<Cell>)
        [
            Times.Format(e.Time),
            e.Run ?? "-",
            new(e.Source, Tone.Dim),
            new(e.Type.Length == 0 ? "-" : e.Type, e.Type == "Warning" ? Tone.Warn : Tone.Plain),
            e.Object,
            new(e.Reason, e.Type == "Warning" ? Tone.Warn : Tone.Plain),
            e.Count > 1 ? $"{e.Message} (x{e.Count})" : e.Message,
        ]), context.Palette);
        return 0;
    }
}
