using System.Text.RegularExpressions;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Durations;
using ChunkGate.Api.Meta;
using ChunkGate.Kubectl.Cli;
using ChunkGate.Kubectl.Output;
using ChunkGate.Kubectl.Review;
using ChunkGate.Kubectl.Runs;
using k8s.Models;

namespace ChunkGate.Kubectl.Commands;

/// <summary>
/// <c>kubectl chunk approve JOB --ttl 10m --reason "…"</c>: creates a ChunkApproval bound to the spec
/// hash it prints. The admission webhook is the judge (designer, executor groups, maxTTL, a spec that
/// changed since): its refusal is printed as the API server words it.
/// </summary>
internal static partial class ApproveCommand
{
    public static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var ttl = context.Line.Value("ttl") ?? throw CommandFailure.Usage("--ttl is required: how long the approval lasts (90s, 10m, 1h30m)");
        if (!KubeDuration.TryParse(ttl, out var duration, out var ttlError) || duration <= TimeSpan.Zero)
        {
            throw CommandFailure.Usage($"invalid --ttl \"{ttl}\": {(string.IsNullOrEmpty(ttlError) ? "not a positive duration" : ttlError)} (90s, 10m, 1h30m)");
        }

        var reason = context.Line.Value("reason");
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw CommandFailure.Usage("--reason is required: a ticket or a justification for the audit trail");
        }

        var reviewed = context.Line.Value("spec-hash");
        if (reviewed is not null && !SpecHashPattern().IsMatch(reviewed))
        {
            throw CommandFailure.Usage($"invalid --spec-hash \"{reviewed}\": expected sha256: and 64 hex digits, as `kubectl chunk show` prints it");
        }

        var timeout = ParseTimeout(context.Line.Value("timeout"));
        var job = await context.Objects.JobAsync(context.Namespace, context.Job, cancellationToken);
        var hash = reviewed ?? JobFacts.SpecHash(job);
        context.Narration.WriteLine($"Approving {JobFacts.Qualified(job)} spec {context.Palette.Paint(hash, Tone.Bold)}");
        context.Narration.WriteLine($"  designed by {JobFacts.Designer(job) ?? "(unknown)"}, {job.Spec.Action.ToString().ToLowerInvariant()} on {string.Join(", ", job.Spec.Tables)}, for {ttl}: {reason}");

        var created = await context.Objects.Approvals.CreateAsync(new ChunkApproval
        {
            Metadata = new V1ObjectMeta
            {
                // The server completes the name; one approval per approver and spec is the webhook's rule, not the name's.
                GenerateName = job.Metadata.Name[..Math.Min(job.Metadata.Name.Length, 52)].TrimEnd('-', '.') + "-",
                NamespaceProperty = context.Namespace,
            },
            Spec = new ChunkApprovalSpec
            {
                JobRef = new NameReference { Name = job.Metadata.Name },
                Ttl = ttl,
                Reason = reason,
                JobSpecHash = hash,
            },
        }, cancellationToken: cancellationToken);

        if (context.Format != OutputFormat.Text)
        {
            StructuredOutput.Write(context.Out, context.Format, created);
        }

        context.Narration.WriteLine(context.Palette.Paint(
            $"chunkapproval.chunkgate.io/{created.Metadata.Name} created: approved by {created.Spec.Approver} until {Times.Format(created.Spec.ExpiresAt)}",
            Tone.Good));
        if (!context.Line.Switch("wait"))
        {
            return ExitCodes.Ok;
        }

        // A run ends at its approval's expiry at the latest; a little more lets the controller record it.
        var deadline = timeout is { } t ? context.Now + t : (created.Spec.ExpiresAt ?? context.Now + duration) + TimeSpan.FromSeconds(30);
        return await RunWaiter.WaitAsync(context, created.Metadata.Name, runId: null, deadline, cancellationToken);
    }

    public static TimeSpan? ParseTimeout(string? value)
    {
        if (value is null)
        {
            return null;
        }

        return KubeDuration.TryParse(value, out var timeout, out var error) && timeout > TimeSpan.Zero
            ? timeout
            : throw CommandFailure.Usage($"invalid --timeout \"{value}\": {(string.IsNullOrEmpty(error) ? "not a positive duration" : error)}");
    }

    [GeneratedRegex(Api.Hashing.SpecHash.Pattern)]
    private static partial Regex SpecHashPattern();
}
