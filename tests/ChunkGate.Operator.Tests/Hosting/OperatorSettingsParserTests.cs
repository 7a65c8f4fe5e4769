using ChunkGate.Operator.Hosting;

namespace ChunkGate.Operator.Tests.Hosting;

public sealed class OperatorSettingsParserTests
{
    private static (OperatorSettings? Settings, string? Error) Parse(string[] args, Dictionary<string, string>? env = null) =>
        OperatorSettingsParser.Parse(args, name => env is not null && env.TryGetValue(name, out var value) ? value : null);

    [Test]
    public void Defaults_AreTheInClusterInstallation()
    {
        var settings = Parse([]).Settings!;

        settings.WatchNamespaces.Should().BeEmpty();
        settings.OperatorNamespace.Should().Be("chunkgate-system");
        settings.OperatorIdentity.Should().Be("system:serviceaccount:chunkgate-system:chunkgate-operator");
        settings.AdminGroups.Should().Equal("system:masters");
        settings.WebhookPort.Should().Be(9443);
        settings.HealthPort.Should().Be(8081);
        settings.CertificateRenewBefore.Should().BeLessThan(settings.CertificateValidity);
    }

    [Test]
    public void Flags_OverrideEnvironment_WhichOverridesDefaults()
    {
        var settings = Parse(
            ["--watch-namespaces=demo,finance", "--runner-image", "registry.local/runner:1.2"],
            new() { ["CHUNKGATE_WATCH_NAMESPACES"] = "ignored", ["CHUNKGATE_GITOPS_IDENTITIES"] = "system:serviceaccount:argocd:argocd-application-controller", ["POD_NAMESPACE"] = "ops" }).Settings!;

        settings.WatchNamespaces.Should().Equal("demo", "finance");
        settings.RunnerImage.Should().Be("registry.local/runner:1.2");
        settings.GitOpsIdentities.Should().Equal("system:serviceaccount:argocd:argocd-application-controller");
        settings.OperatorNamespace.Should().Be("ops");
        settings.OperatorIdentity.Should().Be("system:serviceaccount:ops:chunkgate-operator");
    }

    [TestCase("--webhook-port=70000", "invalid setting --webhook-port (CHUNKGATE_WEBHOOK_PORT): must be a port number between 1 and 65535, got \"70000\"")]
    [TestCase("--watch-namespaces=Demo", "invalid setting --watch-namespaces (CHUNKGATE_WATCH_NAMESPACES): must be a comma-separated list of namespace names (empty for all namespaces), got \"Demo\"")]
    [TestCase("--certificate-renew-before=3000h", "invalid setting --certificate-renew-before (CHUNKGATE_CERTIFICATE_RENEW_BEFORE): must be shorter than certificate-validity (2160h), got \"3000h\"")]
    [TestCase("--certificate-validity=soon", "invalid setting --certificate-validity (CHUNKGATE_CERTIFICATE_VALIDITY): must be a duration (90s, 10m, 1h30m): ")]
    [TestCase("--sidecar-image=Not An Image", "invalid setting --sidecar-image (CHUNKGATE_SIDECAR_IMAGE): must be a container image reference (registry/name:tag), got \"Not An Image\"")]
    [TestCase("--certificate-source=vault", "invalid setting --certificate-source (CHUNKGATE_CERTIFICATE_SOURCE): must be self or cert-manager, got \"vault\"")]
    [TestCase("--cert-manager-certificate=Web_Hook", "invalid setting --cert-manager-certificate (CHUNKGATE_CERT_MANAGER_CERTIFICATE): must be a DNS label (lower-case letters, digits and '-', at most 63), got \"Web_Hook\"")]
    [TestCase("--health-port=9443", "invalid setting --health-port (CHUNKGATE_HEALTH_PORT): must differ from webhook-port, got \"9443\"")]
    [TestCase("--kubeconfig=/nonexistent/kubeconfig", "invalid setting --kubeconfig (CHUNKGATE_KUBECONFIG): names no readable file, got \"/nonexistent/kubeconfig\"")]
    [TestCase("--wach-namespaces=demo", "unknown flag --wach-namespaces; known: ")]
    [TestCase("--runner-image", "flag --runner-image needs a value")]
    [TestCase("demo", "unexpected argument \"demo\": settings are given as --name=value")]
    public void ABadValue_IsOneLineNamingTheSetting(string arg, string error)
    {
        var (settings, message) = Parse([arg]);

        settings.Should().BeNull();
        message.Should().StartWith(error);
        message.Should().NotContain("\n");
    }

    [Test]
    public void ABadEnvironmentValue_IsNamedToo()
    {
        Parse([], new() { ["CHUNKGATE_LEADER_ELECTION_LEASE"] = "Lease!" }).Error.Should().Be(
            "invalid setting --leader-election-lease (CHUNKGATE_LEADER_ELECTION_LEASE): must be a DNS label (lower-case letters, digits and '-', at most 63), got \"Lease!\"");
    }
}
