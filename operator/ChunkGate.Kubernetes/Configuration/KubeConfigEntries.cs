namespace ChunkGate.Kubernetes.Configuration;

/// <summary>One <c>clusters[]</c> entry as written in a kubeconfig file (paths already made absolute).</summary>
internal sealed record KubeConfigCluster(
    string Name,
    string SourceFile,
    string? Server,
    string? CertificateAuthority,
    byte[]? CertificateAuthorityData,
    bool InsecureSkipTlsVerify,
    string? TlsServerName,
    string? ProxyUrl);

/// <summary>One <c>users[]</c> entry. Holds secrets: never log it.</summary>
internal sealed record KubeConfigUser(
    string Name,
    string SourceFile,
    string? Token,
    string? TokenFile,
    string? ClientCertificate,
    byte[]? ClientCertificateData,
    string? ClientKey,
    byte[]? ClientKeyData,
    string? Username,
    string? Password,
    ExecPluginConfig? Exec,
    string? AuthProviderName)
{
    public override string ToString() => $"user {Name} from {SourceFile}";
}

internal sealed record KubeConfigContext(string Name, string SourceFile, string? Cluster, string? User, string? Namespace);

/// <summary>What one kubeconfig file contributes before merging.</summary>
internal sealed record KubeConfigDocument(
    string SourceFile,
    IReadOnlyList<KubeConfigCluster> Clusters,
    IReadOnlyList<KubeConfigUser> Users,
    IReadOnlyList<KubeConfigContext> Contexts,
    string? CurrentContext);

/// <summary><c>users[].user.exec</c>: a credential plugin such as an OIDC login helper.</summary>
public sealed record ExecPluginConfig(
    string ApiVersion,
    string Command,
    IReadOnlyList<string> Args,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    bool ProvideClusterInfo,
    string InteractiveMode,
    string? InstallHint,
    string SourceFile,
    string UserName);
