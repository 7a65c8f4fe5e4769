using ChunkGate.Kubectl.Output;
using ChunkGate.Kubectl.Review;

namespace ChunkGate.Kubectl.Commands;

/// <summary><c>kubectl chunk show JOB</c>: the review page, laid out like <c>kubectl describe</c>.</summary>
internal static class ShowCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var job = await context.Objects.JobAsync(context.Namespace, context.Job, cancellationToken);
        var connection = await context.Objects.ConnectionAsync(context.Namespace, job.Spec.ConnectionRef?.Name ?? "", cancellationToken);
        var approvals = await context.Objects.ApprovalsOfAsync(context.Namespace, context.Job, cancellationToken);
        var review = JobReviews.Build(job, connection, approvals, context.Now);
        if (context.Format != OutputFormat.Text)
        {
            StructuredOutput.Write(context.Out, context.Format, review);
            return 0;
        }

        Write(context.Out, review, context.Palette, context.Now);
        return 0;
    }

    public static void Write(TextWriter output, JobReview review, Palette palette, DateTimeOffset now)
    {
        void Field(string name, string value, Tone tone = Tone.Plain) => output.WriteLine($"{name + ":",-13}{palette.Paint(value, tone)}");

        Field("Job", $"{review.Namespace}/{review.Name}", Tone.Bold);
        Field("Spec hash", review.SpecHash, Tone.Bold);
        Field("Designer", review.Designer ?? "(no designer stamp: nobody can approve this job)", review.Designer is null ? Tone.Bad : Tone.Plain);
        Field("Phase", review.Phase);
        if (review.Note is { } note)
        {
            Field("Note", note, Tone.Warn);
        }

        Field("Action", review.Action, review.Action is "write" or "transform" ? Tone.Warn : Tone.Plain);
        Field("Tables", string.Join(", ", review.Tables));
        Field("Chunking", $"{review.Chunking.Table} by {review.Chunking.KeyColumn}, {review.Chunking.ChunkSize} keys per chunk");
        Field("Output", review.Output);
        if (review.RunnerImage is { } image)
        {
            Field("Runner image", image, Tone.Warn);
        }

        var c = review.Connection;
        Field("Connection", c.Exists
            ? $"{c.Name}: {c.Endpoint}, maxTTL {c.MaxTTL}"
            : $"{c.Name} (does not exist: the job cannot be approved)", c.Exists ? Tone.Plain : Tone.Bad);
        if (c.Exists)
        {
            Field("Approvers", $"{c.RequiredApprovals} approval(s) from members of {string.Join(", ", c.ExecutorGroups)}, never the designer");
        }

        output.WriteLine("Query:");
        foreach (var line in review.Query.Split('\n'))
        {
            output.WriteLine("  " + line.TrimEnd('\r'));
        }

        output.WriteLine("Masking on these tables:");
        if (review.Masking.Columns.Count == 0)
        {
            output.WriteLine(palette.Paint("  no column rules on these tables", review.Masking.Detectors.Count == 0 ? Tone.Warn : Tone.Plain));
        }
        else
        {
            using var table = new StringWriter();
            TextTable.Write(table, ["column", "strategy"], review.Masking.Columns.Select(m => (IReadOnlyList<Cell>)[m.Column, m.Strategy]), palette);
            Indent(output, table.ToString());
        }

        output.WriteLine(review.Masking.Detectors.Count == 0
            ? "  detectors: none"
            : $"  detectors: {string.Join(", ", review.Masking.Detectors)} (on every other text value)");

        output.WriteLine("Approvals:");
        if (review.Approvals.Count == 0)
        {
            output.WriteLine("  none");
        }
        else
        {
            using var table = new StringWriter();
            TextTable.Write(table, ["name", "approver", "state", "expires", "reason"], review.Approvals.Select(a => (IReadOnlyList<Cell>)
            [
                a.Name, a.Approver,
                new(a.State, new ApprovalState(a.Standing, a.State).Tone),
                a.ExpiresAt is { } at ? (at > now ? $"{Times.Format(at)} (in {Times.Age(now, at)})" : Times.Format(at)) : "",
                a.Reason,
            ]), palette);
            Indent(output, table.ToString());
        }

        if (review.Run is { } run)
        {
            var state = run.FinishedAt is null ? $"running until {Times.Format(run.ExpiresAt)}" : $"ended {Times.Format(run.FinishedAt)}: {run.Outcome}";
            Field("Last run", $"{run.Id} {state}" + (run.Progress is { } progress ? $", {progress} chunks, {run.Rows ?? 0} rows" : ""));
        }
    }

    private static void Indent(TextWriter output, string block)
    {
        foreach (var line in block.TrimEnd('\n').Split('\n'))
        {
            output.WriteLine("  " + line);
        }
    }
}
