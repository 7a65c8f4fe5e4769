using ChunkGate.Kubectl.Cluster;
using ChunkGate.Kubectl.Output;
using ChunkGate.Kubectl.Review;

namespace ChunkGate.Kubectl.Commands;

/// <summary><c>kubectl chunk pending</c>: jobs awaiting an approval the current user may give.</summary>
internal static class PendingCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var all = context.Line.Switch("all-namespaces");
        var ns = all ? null : context.Namespace;
        var user = await CurrentUser.WhoAmIAsync(context.Objects.Client, cancellationToken);
        var jobs = await context.Objects.JobsAsync(ns, cancellationToken);
        var approvals = await context.Objects.ApprovalsAsync(ns, cancellationToken);
        var connections = new Dictionary<(string, string), Api.Connections.DataConnection?>();
        foreach (var job in jobs)
        {
            var key = (job.Metadata.NamespaceProperty, job.Spec.ConnectionRef?.Name ?? "");
            if (!connections.ContainsKey(key))
            {
                connections[key] = await context.Objects.ConnectionAsync(key.Item1, key.Item2, cancellationToken);
            }
        }

        var pending = PendingJobs.For(user, jobs, (n, c) => connections.GetValueOrDefault((n, c)), approvals, context.Now);
        if (context.Format != OutputFormat.Text)
        {
            StructuredOutput.Write(context.Out, context.Format, new { user = user.Username, groups = user.Groups, pending });
            return 0;
        }

        if (pending.Count == 0)
        {
            context.Error.WriteLine(all
                ? $"No jobs await an approval from {user.Username}."
                : $"No jobs in namespace {context.Namespace} await an approval from {user.Username}.");
            return 0;
        }

        var headers = new List<string> { "name", "action", "connection", "designer", "approvals", "spec hash", "age" };
        if (all)
        {
            headers.Insert(0, "namespace");
        }

        TextTable.Write(context.Out, headers, pending.Select(p =>
        {
            var row = new List<Cell>
            {
                p.Name, p.Action, p.Connection, p.Designer,
                new($"{p.Approvals}/{p.RequiredApprovals}", p.Approvals > 0 ? Tone.Good : Tone.Warn),
                JobFacts.Short(p.SpecHash), Times.Age(p.Created, context.Now),
            };
            if (all)
            {
                row.Insert(0, p.Namespace);
            }

            return (IReadOnlyList<Cell>)row;
        }), context.Palette);
        return 0;
    }
}
