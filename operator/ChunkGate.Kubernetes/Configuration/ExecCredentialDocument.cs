using System.Text.Json.Serialization;

namespace ChunkGate.Kubernetes.Configuration;

/// <summary>
/// client.authentication.k8s.io ExecCredential: the plugin receives one in <c>KUBERNETES_EXEC_INFO</c>
/// (spec) and prints one on stdout (status).
/// </summary>
public sealed class ExecCredentialDocument
{
    public const string V1 = "client.authentication.k8s.io/v1";
    public const string V1Beta1 = "client.authentication.k8s.io/v1beta1";

    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public ExecCredentialSpec? Spec { get; set; }

    public ExecCredentialStatus? Status { get; set; }
}

public sealed class ExecCredentialSpec
{
    public bool Interactive { get; set; }

    public ExecClusterInfo? Cluster { get; set; }
}

public sealed class ExecCredentialStatus
{
    public DateTimeOffset? ExpirationTimestamp { get; set; }

    public string? Token { get; set; }

    public string? ClientCertificateData { get; set; }

    public string? ClientKeyData { get; set; }

    public override string ToString() => "ExecCredentialStatus (redacted)";
}

/// <summary>Cluster details handed to a plugin when <c>provideClusterInfo</c> is true.</summary>
public sealed record ExecClusterInfo(
    [property: JsonPropertyName("server")] string Server,
    [property: JsonPropertyName("tls-server-name")] string? TlsServerName,
    [property: JsonPropertyName("insecure-skip-tls-verify")] bool InsecureSkipTlsVerify,
    [property: JsonPropertyName("certificate-authority-data")] byte[]? CertificateAuthorityData);
