using ChunkGate.Operator.Hosting;
using k8s;

namespace ChunkGate.Operator.Tests.Hosting;

/// <summary>The operator reads a kubeconfig itself (without the client's YAML machinery): it must get what the client's own loader gets.</summary>
public sealed class KubernetesConfigurationsTests
{
    private const string Kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: first
        preferences: {}
        clusters:
        - name: one
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: Y2EtZGF0YQ==
        - name: two
          cluster:
            server: https://10.0.0.2:443
            insecure-skip-tls-verify: true
        contexts:
        - name: first
          context: {cluster: one, user: alice, namespace: team-a}
        - name: second
          context: {cluster: two, user: files}
        users:
        - name: alice
          user: {token: alice-token}
        - name: files
          user:
            client-certificate: certs/client.crt
            client-key: certs/client.key
        """;

    [TestCase(null)]
    [TestCase("first")]
    [TestCase("second")]
    public void From_GivesWhatTheClientsLoaderGives_ForEachContext(string? context)
    {
        var directory = Directory.CreateTempSubdirectory("chunkgate-kubeconfig-");
        try
        {
            var path = Path.Combine(directory.FullName, "kubeconfig");
            File.WriteAllText(path, Kubeconfig);

            var ours = KubernetesConfigurations.From(path, context);
            var theirs = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, currentContext: context);

            ours.Should().BeEquivalentTo(theirs, options => options.Including(c => c.Host).Including(c => c.Namespace).Including(c => c.AccessToken)
                .Including(c => c.SkipTlsVerify).Including(c => c.ClientCertificateFilePath).Including(c => c.ClientKeyFilePath)
                .Including(c => c.CurrentContext).Including(c => c.TlsServerName));
            ours.SslCaCerts?.Count.Should().Be(theirs.SslCaCerts?.Count);
            if (context == "second")
            {
                ours.ClientCertificateFilePath.Should().Be(Path.Combine(directory.FullName, "certs/client.crt"), "paths in the file are relative to it");
            }
            else
            {
                ours.Host.Should().Be("https://127.0.0.1:6443");
                ours.AccessToken.Should().Be("alice-token");
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
