using ChunkGate.Kubectl.Cli;
using ChunkGate.Kubectl.Commands;
using ChunkGate.Kubectl.Output;

namespace ChunkGate.Kubectl.Runs;

/// <summary>
/// <c>--wait</c>: reads the job every half second until the run ends or the deadline passes. On a
/// terminal one line is redrawn in place (with a bar once the chunk count is known); otherwise a
/// line is printed each time it changes, so logs stay readable.
/// </summary>
internal static class RunWaiter
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public static async Task<int> WaitAsync(CommandContext context, string? approvalName, string? runId, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var output = context.Narration;
        string? last = null;
        while (true)
        {
            var job = await context.Objects.JobAsync(context.Namespace, context.Job, cancellationToken);
            var approval = approvalName is null ? null : await context.Objects.Approvals.TryGetAsync(context.Namespace, approvalName, cancellationToken);
            var progress = RunProgress.Of(job, approvalName, approval, runId);
            if (progress.Line != last)
            {
                if (context.Terminal && context.Format == OutputFormat.Text)
                {
                    output.Write("\r\e[2K" + Bar(progress) + context.Palette.Paint(progress.Line, progress.Ended ? (progress.Succeeded ? Tone.Good : Tone.Bad) : Tone.Plain));
                    if (progress.Ended)
                    {
                        output.WriteLine();
                    }
                }
                else
                {
                    output.WriteLine(progress.Line);
                }

                last = progress.Line;
            }

            if (progress.Ended)
            {
                return progress.Succeeded ? ExitCodes.Ok : ExitCodes.RunNotSucceeded;
            }

            if (context.Now >= deadline)
            {
                if (context.Terminal)
                {
                    output.WriteLine();
                }

                context.Error.WriteLine($"error: gave up waiting at {Review.Times.Format(deadline)}: {progress.Line}");
                return ExitCodes.RunNotSucceeded;
            }

            await Task.Delay(Interval, context.Clock, cancellationToken);
        }
    }

    private static string Bar(RunProgress progress)
    {
        if (progress.ChunksTotal <= 0 || progress.Ended)
        {
            return "";
        }

        const int width = 24;
        var filled = (int)Math.Clamp(progress.ChunksDone * width / progress.ChunksTotal, 0, width);
        return "[" + new string('#', filled) + new string('.', width - filled) + "] ";
    }
}
