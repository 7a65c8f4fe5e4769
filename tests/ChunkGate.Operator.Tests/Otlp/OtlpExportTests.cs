using ChunkGate.Api.Approvals;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Tests.Installation;
using ChunkGate.Testing.Waiting;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Tests.Otlp;

/// <summary>
/// The operator process exports over OTLP/HTTP to the endpoint of the standard <c>OTEL_*</c>
/// variables: a run's spans (credential issue, Pod, revocation) under the run's own trace id, the
/// audit log records of the run with that trace id, and the admission and controller metrics.
/// </summary>
[Category("PostgreSQL"), Category("LocalCluster")]
public sealed class OtlpExportTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task ARun_ExportsItsSpansAndAuditRecords_UnderItsTraceId_AndTheDenialCounter()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var installation = await OperatorInstallation.StartAsync(images: null);
        await installation.StartOperatorAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
        });
        await installation.WaitForConnectionAsync(Patience);
        using var alice = installation.Client("alice");
        using var bob = installation.Client("bob");
        var jobs = installation.Resources<ChunkJob>(alice, ChunkGateResources.Jobs);
        await jobs.CreateAsync(OperatorInstallation.Job("export-customers"));

        // The designer approving their own job: denied, and counted.
        var selfApproval = () => installation.Resources<ChunkApproval>(alice, ChunkGateResources.Approvals).CreateAsync(Approval("by-alice"));
        (await selfApproval.Should().ThrowAsync<ForbiddenException>()).Which.Message.Should().Contain("cannot approve it");

        var approvals = installation.Resources<ChunkApproval>(bob, ChunkGateResources.Approvals);
        await approvals.CreateAsync(Approval("by-bob"));
        var adminJobs = installation.Resources<ChunkJob>(installation.Admin, ChunkGateResources.Jobs);
        ChunkJob? job = null;
        await Eventually.TrueAsync(async () => (job = await adminJobs.GetAsync(OperatorInstallation.Namespace, "export-customers")).Status is { Phase: JobPhase.Running, Run.Pod: { } pod }
            && await installation.Admin.CoreV1.ReadNamespacedPodAsync(pod, OperatorInstallation.Namespace).OrNull() is not null, "the run's Pod exists", Patience, TimeSpan.FromMilliseconds(100));
        var traceParent = job!.Status!.Run!.TraceParent!.Split('-');
        var (traceId, runSpanId) = (traceParent[1], traceParent[2]);

        // Deleting the approval ends the run at once: the revocation span.
        await approvals.DeleteAsync(OperatorInstallation.Namespace, "by-bob");
        await Eventually.TrueAsync(async () => (await adminJobs.GetAsync(OperatorInstallation.Namespace, "export-customers")).Status?.Run?.FinishedAt is not null,
            "the run is over", Patience, TimeSpan.FromMilliseconds(100));

        string[] runSpans = ["chunkgate.credential.issue", "chunkgate.run.pod", "chunkgate.credential.revoke"];
        await Eventually.TrueAsync(() => runSpans.All(name => receiver.Spans.Any(span => span.TraceId == traceId && span.Name == name)),
            $"the run's spans arrive with trace id {traceId}", Patience);
        receiver.Spans.Where(span => runSpans.Contains(span.Name)).Should().OnlyContain(span => span.TraceId == traceId && span.ParentSpanId == runSpanId,
            "every span of the run is a child of the trace context the Pod carries");
        bool Audited(string reason) => receiver.LogRecords.Any(record => record.TraceId == traceId && record.Attributes.GetValueOrDefault("Reason") == reason);
        await Eventually.TrueAsync(() => Audited("CredentialsIssued") && Audited("RunStarted") && Audited("CredentialsRevoked"),
            "the run's audit records arrive with its trace id", Patience);
        await Eventually.TrueAsync(() => receiver.MetricNames.Contains("chunkgate.admission.denials") && receiver.MetricNames.Contains("chunkgate.controller.approval_to_running")
            && receiver.MetricNames.Contains("chunkgate.controller.revocation"), "the admission and controller metrics arrive", Patience);
        receiver.Rejected.Should().BeEmpty();
        receiver.LogRecords.Should().NotContain(record => record.Body.Contains(installation.Server.Password, StringComparison.Ordinal)
            || record.Attributes.Values.Any(value => value.Contains(installation.Server.Password, StringComparison.Ordinal)), "no credential in a log record (rule 7)");
    }

    private static ChunkApproval Approval(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = OperatorInstallation.Namespace },
        Spec = new ChunkApprovalSpec { JobRef = new NameReference { Name = "export-customers" }, Ttl = "10m", Reason = "FIN-1 quarterly export" },
    };
}
