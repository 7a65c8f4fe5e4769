using System.Text;
using ChunkGate.Kubernetes.Configuration;
using ChunkGate.Kubernetes.Tests.Support;

namespace ChunkGate.Kubernetes.Tests.Configuration;

public sealed class KubeConfigLoaderTests
{
    private TempDirectory dir = null!;

    [SetUp]
    public void SetUp() => dir = new TempDirectory();

    [TearDown]
    public void TearDown() => dir.Dispose();

    private static KubeConfigLoader Loader(string? kubeconfigVariable = null, string? home = null) =>
        new(name => name switch
        {
            "KUBECONFIG" => kubeconfigVariable,
            "HOME" => home,
            _ => null,
        }, new FakeTimeProvider());

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Config(string user, string? current = "main", string server = "https://10.0.0.1:6443", string cluster = "  insecure-skip-tls-verify: false") => $"""
        apiVersion: v1
        kind: Config
        current-context: {current}
        clusters:
        - name: prod
          cluster:
            server: {server}
        {cluster}
        contexts:
        - name: main
          context:
            cluster: prod
            user: u
            namespace: jobs
        users:
        - name: u
          user:
        {user}
        """;

    private static async Task<string?> AuthorizationOf(KubernetesClientConfiguration config) =>
        config.Credentials is null ? null : (await config.Credentials.GetAuthorizationAsync(CancellationToken.None))?.ToString();

    [Test]
    public async Task Load_BearerToken_UsesItAndTheContextNamespace()
    {
        var file = dir.Write("config", Config("    token: abc.def"));

        var config = Loader().Load([file]);

        config.Server.Should().Be(new Uri("https://10.0.0.1:6443"));
        config.Namespace.Should().Be("jobs");
        config.ContextName.Should().Be("main");
        (await AuthorizationOf(config)).Should().Be("Bearer abc.def");
        config.ToString().Should().NotContain("abc.def");
    }

    [Test]
    public async Task Load_TokenFile_ResolvesRelativeToTheKubeconfigAndRereadsAfterAMinute()
    {
        dir.Write("secrets/token", "first\n");
        var clock = new FakeTimeProvider();
        var file = dir.Write("config", Config("    tokenFile: secrets/token"));
        var config = new KubeConfigLoader(_ => null, clock).Load([file]);

        (await AuthorizationOf(config)).Should().Be("Bearer first");
        dir.Write("secrets/token", "second\n");
        (await AuthorizationOf(config)).Should().Be("Bearer first", "the file is re-read only periodically");
        clock.Advance(TimeSpan.FromMinutes(1));
        (await AuthorizationOf(config)).Should().Be("Bearer second");
    }

    [Test]
    public async Task Load_BasicAuth_SendsUsernameAndPassword()
    {
        var file = dir.Write("config", Config("    username: admin\n    password: s3cret"));

        var config = Loader().Load([file]);

        (await AuthorizationOf(config)).Should().Be("Basic " + B64("admin:s3cret"));
    }

    [Test]
    public void Load_ClientCertificateAndKeyData_MakesACertificateWithItsPrivateKey()
    {
        var file = dir.Write("config", Config($"    client-certificate-data: {B64(TestCertificates.ClientCertificatePem)}\n    client-key-data: {B64(TestCertificates.ClientKeyPem)}"));

        var config = Loader().Load([file]);

        config.ClientCertificate.Should().NotBeNull();
        config.ClientCertificate!.HasPrivateKey.Should().BeTrue();
        config.ClientCertificate.Subject.Should().Contain("CN=alice");
        config.Credentials.Should().BeNull();
    }

    [Test]
    public void Load_ClientCertificateAndKeyFiles_ResolvesRelativePaths()
    {
        dir.Write("pki/client.crt", TestCertificates.ClientCertificatePem);
        dir.Write("pki/client.key", TestCertificates.ClientKeyPem);
        var file = dir.Write("config", Config("    client-certificate: pki/client.crt\n    client-key: pki/client.key"));

        var config = Loader().Load([file]);

        config.ClientCertificate!.HasPrivateKey.Should().BeTrue();
    }

    [Test]
    public void Load_CertificateAuthorityData_TrustsExactlyThatBundle()
    {
        var file = dir.Write("config", Config("    token: t", cluster: $"    certificate-authority-data: {B64(TestCertificates.CaPem)}"));

        var config = Loader().Load([file]);

        config.CertificateAuthorities.Should().ContainSingle().Which.Thumbprint.Should().Be(TestCertificates.Ca.Thumbprint);
        config.InsecureSkipTlsVerify.Should().BeFalse();
    }

    [Test]
    public void Load_CertificateAuthorityFile_IsReadRelativeToTheKubeconfig()
    {
        dir.Write("ca/ca.crt", TestCertificates.CaPem);
        var file = dir.Write("config", Config("    token: t", cluster: "    certificate-authority: ca/ca.crt\n    tls-server-name: api.internal"));

        var config = Loader().Load([file]);

        config.CertificateAuthorities.Should().ContainSingle();
        config.TlsServerName.Should().Be("api.internal");
    }

    [Test]
    public void Load_InsecureSkipTlsVerify_IsCarried()
    {
        var file = dir.Write("config", Config("    token: t", cluster: "    insecure-skip-tls-verify: true"));

        Loader().Load([file]).InsecureSkipTlsVerify.Should().BeTrue();
    }

    [Test]
    public void Load_ProxyUrl_IsCarried_AndABadOneNamed()
    {
        var good = dir.Write("good", Config("    token: t", cluster: "    proxy-url: socks5://127.0.0.1:1080"));
        var bad = dir.Write("bad", Config("    token: t", cluster: "    proxy-url: ftp://nope"));

        Loader().Load([good]).Proxy.Should().Be(new Uri("socks5://127.0.0.1:1080"));
        FluentActions.Invoking(() => Loader().Load([bad])).Should().Throw<KubeConfigException>()
            .WithMessage($"{bad}: clusters[\"prod\"].cluster.proxy-url 'ftp://nope' is not an http, https or socks5 URL");
    }

    [Test]
    public void Load_ExecPlugin_CreatesAnExecProvider()
    {
        var file = dir.Write("config", Config("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubectl-oidc_login\n      args: [get-token, --oidc-issuer-url=https://idp]\n      interactiveMode: Never"));

        var config = Loader().Load([file]);

        config.Credentials!.Describe().Should().Be("exec plugin kubectl-oidc_login");
    }

    [Test]
    public void Load_KubeconfigVariable_MergesFilesFirstWinsPerKeyAndCurrentContext()
    {
        var first = dir.Write("a/config", """
            current-context: dev
            clusters:
            - name: shared
              cluster:
                server: https://first:6443
            users:
            - name: alice
              user:
                token: from-first
            contexts:
            - name: dev
              context: {cluster: shared, user: alice}
            """);
        var second = dir.Write("b/config", """
            current-context: prod
            clusters:
            - name: shared
              cluster:
                server: https://second:6443
                insecure-skip-tls-verify: true
            - name: prodcluster
              cluster:
                server: https://prod:6443
            users:
            - name: alice
              user:
                token: from-second
            contexts:
            - name: prod
              context: {cluster: prodcluster, user: alice, namespace: p}
            """);

        var loader = Loader(kubeconfigVariable: $"{first}:{dir.Path}/missing:{second}");
        var config = loader.LoadDefault();

        config.ContextName.Should().Be("dev", "the first file to set current-context wins");
        config.Server.Host.Should().Be("first");
        config.InsecureSkipTlsVerify.Should().BeFalse("a later file's entry of the same name is discarded whole, even its non-conflicting fields");
    }

    [Test]
    public async Task Load_ContextOverride_BeatsCurrentContextAndCanUseEntriesFromLaterFiles()
    {
        var first = dir.Write("a/config", Config("    token: from-first"));
        var second = dir.Write("b/config", """
            clusters:
            - name: other
              cluster: {server: "https://other:443"}
            contexts:
            - name: elsewhere
              context: {cluster: other, user: u}
            """);

        var config = Loader(kubeconfigVariable: $"{first}:{second}").LoadDefault(contextOverride: "elsewhere");

        config.ContextName.Should().Be("elsewhere");
        config.Server.Host.Should().Be("other");
        config.Namespace.Should().Be("default");
        (await AuthorizationOf(config)).Should().Be("Bearer from-first", "the user comes from the file that defined it first");
    }

    [Test]
    public void LoadDefault_WithoutKubeconfigVariable_ReadsHomeKubeConfig()
    {
        dir.Write(".kube/config", Config("    token: t"));

        Loader(home: dir.Path).LoadDefault().ContextName.Should().Be("main");
    }

    [TestCase("clusters: [", "not valid YAML")]
    [TestCase("clusters: {a: 1}", "clusters must be a list")]
    [TestCase("clusters:\n- cluster: {server: x}", "clusters[0].name is required")]
    [TestCase("users:\n- name: u\n  user:\n    client-key-data: '%%%'", "users[\"u\"].user.client-key-data is not valid base64")]
    [TestCase("clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: maybe", "clusters[\"c\"].cluster.insecure-skip-tls-verify must be true or false")]
    [TestCase("users:\n- name: u\n  user:\n    exec: {command: x, apiVersion: client.authentication.k8s.io/v1}", "users[\"u\"].user.exec.interactiveMode is required")]
    [TestCase("users:\n- name: u\n  user:\n    exec: {command: x, apiVersion: client.authentication.k8s.io/v1alpha1, interactiveMode: Never}", "exec.apiVersion 'client.authentication.k8s.io/v1alpha1' is not supported")]
    public void Load_BadFile_NamesTheFileAndTheField(string yaml, string expected)
    {
        var file = dir.Write("broken", yaml);

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().Which.Message.Should().StartWith(file).And.Contain(expected);
    }

    [Test]
    public void Load_BadBase64_NeverEchoesTheValue()
    {
        var file = dir.Write("broken", "users:\n- name: u\n  user:\n    client-key-data: 'SECRET-KEY-MATERIAL!'");

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().Which.Message.Should().NotContain("SECRET-KEY-MATERIAL");
    }

    [Test]
    public void Load_UnknownCurrentContext_SaysSo()
    {
        var file = dir.Write("config", Config("    token: t", current: "nope"));

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().WithMessage("*current-context 'nope' is not defined under contexts*");
    }

    [Test]
    public void Load_NoCurrentContext_SaysSo()
    {
        var file = dir.Write("config", Config("    token: t", current: "\"\""));

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().WithMessage("*current-context is not set*");
    }

    [Test]
    public void Load_ContextNamingMissingCluster_NamesTheContextField()
    {
        var file = dir.Write("config", "current-context: c\ncontexts:\n- name: c\n  context: {cluster: ghost, user: u}\n");

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().WithMessage($"{file}: contexts[\"c\"].context.cluster names 'ghost'*");
    }

    [Test]
    public void Load_MissingServer_NamesTheClusterField()
    {
        var file = dir.Write("config", Config("    token: t", cluster: "    tls-server-name: x").Replace("    server: https://10.0.0.1:6443\n", "", StringComparison.Ordinal));

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().WithMessage($"{file}: clusters[\"prod\"].cluster.server is required");
    }

    [Test]
    public void Load_TwoAuthenticationMethods_IsRejected()
    {
        var file = dir.Write("config", Config("    token: t\n    username: a\n    password: b"));

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().WithMessage("*users[\"u\"].user has more than one authentication method (token, username/password)*");
    }

    [Test]
    public void Load_CertificateWithoutKey_IsRejected()
    {
        var file = dir.Write("config", Config($"    client-certificate-data: {B64(TestCertificates.ClientCertificatePem)}"));

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().WithMessage("*client-certificate is set but client-key(-data) is not*");
    }

    [Test]
    public void Load_MissingCertificateAuthorityFile_NamesFieldAndPath()
    {
        var file = dir.Write("config", Config("    token: t", cluster: "    certificate-authority: nowhere/ca.crt"));

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().WithMessage($"{file}: clusters[\"prod\"].cluster.certificate-authority: cannot read {dir.Path}/nowhere/ca.crt*");
    }

    [Test]
    public void Load_AuthProvider_IsRejectedWithAPointerToExecPlugins()
    {
        var file = dir.Write("config", Config("    auth-provider:\n      name: oidc\n      config: {idp-issuer-url: x}"));

        var act = () => Loader().Load([file]);

        act.Should().Throw<KubeConfigException>().WithMessage("*auth-provider 'oidc' is not supported*exec credential plugin*");
    }

    [Test]
    public void Load_NoFileExists_ListsWhereItLooked()
    {
        var act = () => Loader().Load([Path.Combine(dir.Path, "a"), Path.Combine(dir.Path, "b")]);

        act.Should().Throw<KubeConfigException>().WithMessage($"no kubeconfig file found (looked for {dir.Path}/a, {dir.Path}/b)");
    }
}
