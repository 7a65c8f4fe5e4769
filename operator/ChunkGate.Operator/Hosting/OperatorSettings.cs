using ChunkGate.Operator.Admission;
using ChunkGate.Operator.Certificates;

namespace ChunkGate.Operator.Hosting;

/// <summary>
/// Everything the operator process is told at start-up, parsed and validated by <see cref="OperatorSettingsParser"/>.
/// The controller's options are mapped from these by the host composition.
/// </summary>
internal sealed record OperatorSettings
{
    /// <summary>Namespaces whose ChunkGate objects are watched and admitted; empty means all namespaces.</summary>
    public required IReadOnlyList<string> WatchNamespaces { get; init; }

    /// <summary>Where the operator runs: its webhook Service, certificate Secret and leader-election Lease live here.</summary>
    public required string OperatorNamespace { get; init; }

    /// <summary>The operator's own user name as the API server authenticates it: the only writer of ChunkGate status.</summary>
    public required string OperatorIdentity { get; init; }

    public required string RunnerImage { get; init; }

    public required string SidecarImage { get; init; }

    public required string LeaderElectionLease { get; init; }

    public required IReadOnlyList<string> GitOpsIdentities { get; init; }

    public required IReadOnlyList<string> AdminGroups { get; init; }

    /// <summary>HTTPS port of the admission webhooks (also the port of the webhook Service the API server calls).</summary>
    public required int WebhookPort { get; init; }

    /// <summary>Plain HTTP port for <c>/healthz</c> and <c>/readyz</c> (kubelet probes).</summary>
    public required int HealthPort { get; init; }

    /// <summary>The Service in front of the webhook port; its DNS names are in the serving certificate.</summary>
    public required string WebhookService { get; init; }

    /// <summary>Secret (in <see cref="OperatorNamespace"/>) holding the webhook CA and serving certificate.</summary>
    public required string CertificateSecret { get; init; }

    /// <summary>Who issues the serving certificate: the operator (its own CA, rotated) or cert-manager (read from <see cref="CertificateSecret"/>).</summary>
    public CertificateSource CertificateSource { get; init; } = CertificateSource.Self;

    /// <summary>With cert-manager: the Certificate (in <see cref="OperatorNamespace"/>) whose CA cert-manager's CA injector puts in the webhook configurations.</summary>
    public string CertManagerCertificate { get; init; } = "chunkgate-webhook";

    public required TimeSpan CertificateValidity { get; init; }

    /// <summary>The serving certificate is replaced this long before it expires.</summary>
    public required TimeSpan CertificateRenewBefore { get; init; }

    public required TimeSpan ShutdownTimeout { get; init; }

    /// <summary>Kubeconfig file and context; both null means the official client's default (KUBECONFIG, ~/.kube/config, in-cluster).</summary>
    public string? Kubeconfig { get; init; }

    public string? KubeContext { get; init; }

    public AdmissionSettings Admission => new(OperatorIdentity, GitOpsIdentities, AdminGroups);
}
