using ChunkGate.Kubernetes.Configuration;
using ChunkGate.Kubernetes.Tests.Support;

namespace ChunkGate.Kubernetes.Tests.Configuration;

/// <summary>Exec plugins are real processes here: small shell scripts that behave like an OIDC login helper.</summary>
public sealed class ExecCredentialProviderTests
{
    private TempDirectory dir = null!;

    [SetUp]
    public void SetUp() => dir = new TempDirectory();

    [TearDown]
    public void TearDown() => dir.Dispose();

    private ExecCredentialProvider Provider(string script, FakeTimeProvider clock, bool provideClusterInfo = false, string apiVersion = ExecCredentialDocument.V1, IReadOnlyList<KeyValuePair<string, string>>? env = null)
    {
        var command = dir.WriteScript("plugin.sh", script);
        var config = new ExecPluginConfig(apiVersion, command, ["--flag"], env ?? [], provideClusterInfo, "Never", "install it with: brew install helper", "/home/me/.kube/config", "oidc-user");
        return new ExecCredentialProvider(config, new ExecClusterInfo("https://api:6443", null, false, null), clock);
    }

    private string CountingTokenScript(string expiry) => $$$"""
        n=$(cat {{{dir.Path}}}/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > {{{dir.Path}}}/count
        echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-'$n'"{{{expiry}}}}}'
        """;

    [Test]
    public async Task Token_IsCachedUntilExpirationTimestamp()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var provider = Provider(CountingTokenScript(""","expirationTimestamp":"2026-01-01T00:10:00Z" """), clock);

        (await provider.GetAuthorizationAsync(default))!.Parameter.Should().Be("token-1");
        clock.Advance(TimeSpan.FromMinutes(9));
        (await provider.GetAuthorizationAsync(default))!.Parameter.Should().Be("token-1");
        clock.Advance(TimeSpan.FromMinutes(1));
        (await provider.GetAuthorizationAsync(default))!.Parameter.Should().Be("token-2");
        provider.Runs.Should().Be(2);
    }

    [Test]
    public async Task Token_WithoutExpiry_IsKeptUntilInvalidatedBy401()
    {
        var clock = new FakeTimeProvider();
        var provider = Provider(CountingTokenScript(""), clock);

        (await provider.GetAuthorizationAsync(default))!.Parameter.Should().Be("token-1");
        clock.Advance(TimeSpan.FromDays(1));
        (await provider.GetAuthorizationAsync(default))!.Parameter.Should().Be("token-1");
        provider.Invalidate().Should().BeTrue();
        (await provider.GetAuthorizationAsync(default))!.Parameter.Should().Be("token-2");
    }

    [Test]
    public async Task Plugin_ReceivesExecInfoArgsAndEnvironment()
    {
        var provider = Provider($$$"""
            printf '%s' "$KUBERNETES_EXEC_INFO" > {{{dir.Path}}}/info.json
            printf '%s %s' "$1" "$HELPER_MODE" > {{{dir.Path}}}/args
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t"}}'
            """, new FakeTimeProvider(), provideClusterInfo: true, env: [new("HELPER_MODE", "device")]);

        await provider.GetAuthorizationAsync(default);

        var info = File.ReadAllText(Path.Combine(dir.Path, "info.json"));
        info.Should().Contain("\"apiVersion\":\"client.authentication.k8s.io/v1\"").And.Contain("\"kind\":\"ExecCredential\"")
            .And.Contain("\"interactive\":false").And.Contain("\"server\":\"https://api:6443\"");
        File.ReadAllText(Path.Combine(dir.Path, "args")).Should().Be("--flag device");
    }

    [Test]
    public async Task Plugin_ClientCertificate_IsExposedForTls()
    {
        var cert = TestCertificates.ClientCertificatePem.Replace("\n", "\\n", StringComparison.Ordinal);
        var key = TestCertificates.ClientKeyPem.Replace("\n", "\\n", StringComparison.Ordinal);
        var provider = Provider($$$"""
            printf '%s' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"{{{cert}}}","clientKeyData":"{{{key}}}"}}'
            """, new FakeTimeProvider());

        (await provider.GetAuthorizationAsync(default)).Should().BeNull("a certificate-only credential sends no Authorization header");
        ((ICredentialProvider)provider).CurrentClientCertificate!.HasPrivateKey.Should().BeTrue();
    }

    [Test]
    public async Task Plugin_Failure_NamesTheUserAndExitCodeButNotItsOutput()
    {
        var provider = Provider("echo 'token-leaked-on-stdout'; echo 'stderr detail' >&2; exit 3", new FakeTimeProvider());

        var act = async () => await provider.GetAuthorizationAsync(default);

        var error = (await act.Should().ThrowAsync<KubeConfigException>()).Which;
        error.Message.Should().Contain("users[\"oidc-user\"].user.exec").And.Contain("exited with code 3");
        error.Message.Should().NotContain("token-leaked-on-stdout");
    }

    [TestCase("not json", "not an ExecCredential JSON document")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}", "plugin returned apiVersion 'client.authentication.k8s.io/v1beta1'")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\"}", "plugin output has no status")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{}}", "neither token nor clientCertificateData")]
    [TestCase("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":\"x\"}}", "both clientCertificateData and clientKeyData")]
    public async Task Plugin_BadOutput_IsRejectedClearly(string output, string expected)
    {
        var provider = Provider($"cat <<'JSON'\n{output}\nJSON", new FakeTimeProvider());

        var act = async () => await provider.GetAuthorizationAsync(default);

        (await act.Should().ThrowAsync<KubeConfigException>()).Which.Message.Should().Contain(expected);
    }

    [Test]
    public async Task Plugin_MissingCommand_ShowsTheInstallHint()
    {
        var config = new ExecPluginConfig(ExecCredentialDocument.V1, Path.Combine(dir.Path, "absent"), [], [], false, "Never", "install it with: brew install helper", "/k", "u");
        var provider = new ExecCredentialProvider(config, new ExecClusterInfo("https://a", null, false, null), new FakeTimeProvider());

        var act = async () => await provider.GetAuthorizationAsync(default);

        (await act.Should().ThrowAsync<KubeConfigException>()).Which.Message.Should().Contain("cannot be started").And.Contain("brew install helper");
    }
}
