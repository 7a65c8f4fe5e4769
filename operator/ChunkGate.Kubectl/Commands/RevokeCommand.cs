using ChunkGate.Api.Approvals;
using ChunkGate.Kubectl.Cli;
using ChunkGate.Kubectl.Review;
using ChunkGate.Kubectl.Runs;
using ChunkGate.Kubernetes.Errors;

namespace ChunkGate.Kubectl.Commands;

/// <summary>
/// <c>kubectl chunk revoke JOB</c>: ends the live run by deleting the approvals it consumed, which the
/// controller answers by revoking the role, deleting Pod and Secret and recording ApprovalWithdrawn.
/// Without a live run, withdraws the approvals still waiting for one. The webhook decides who may
/// (an approver, the designer, admins) and its refusal is printed as is.
/// </summary>
internal static class RevokeCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var timeout = ApproveCommand.ParseTimeout(context.Line.Value("timeout")) ?? TimeSpan.FromMinutes(2);
        var job = await context.Objects.JobAsync(context.Namespace, context.Job, cancellationToken);
        var run = job.Status?.Run;
        var live = run is { Id: not null, FinishedAt: null };
        IReadOnlyList<string> targets;
        if (live)
        {
            targets = run!.Approvals ?? [];
            context.Out.WriteLine($"Revoking run {run.Id} of {JobFacts.Qualified(job)} (it would have run until {Times.Format(run.ExpiresAt)})");
        }
        else
        {
            var hash = JobFacts.SpecHash(job);
            targets = [.. (await context.Objects.ApprovalsOfAsync(context.Namespace, context.Job, cancellationToken))
                .Where(a => ApprovalState.Of(a, hash, job.Metadata.Uid, context.Now).Standing == ApprovalStanding.Current)
                .Select(a => a.Metadata.Name)];
            if (targets.Count == 0)
            {
                context.Out.WriteLine($"Nothing to revoke: no run of {JobFacts.Qualified(job)} is live and no approval waits for one.");
                return ExitCodes.Ok;
            }

            context.Out.WriteLine($"No run of {JobFacts.Qualified(job)} is live; withdrawing the approvals waiting for one");
        }

        foreach (var name in targets)
        {
            try
            {
                await context.Objects.Approvals.DeleteAsync(context.Namespace, name, cancellationToken: cancellationToken);
                context.Out.WriteLine($"chunkapproval.chunkgate.io/{name} deleted");
            }
            catch (NotFoundException)
            {
                context.Out.WriteLine($"chunkapproval.chunkgate.io/{name} already gone");
            }
        }

        if (!live || !context.Line.Switch("wait"))
        {
            return ExitCodes.Ok;
        }

        var ended = await RunWaiter.WaitAsync(context, approvalName: null, run!.Id, context.Now + timeout, cancellationToken);

        // Ending is what was asked: any recorded end is success here, not only a succeeded run.
        var after = await context.Objects.JobAsync(context.Namespace, context.Job, cancellationToken);
        return after.Status?.Run is { FinishedAt: not null } r && r.Id == run.Id ? ExitCodes.Ok : ended;
    }
}
