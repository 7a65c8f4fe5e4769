using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.Api;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Meta;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Runs;

/// <summary>
/// The run's Secret: only what the sidecar needs (the credential files, the masking key, the CA,
/// and its configuration with expiresAt, action, upstream and masking policy). Mounted into the
/// sidecar container alone; the job container never sees it. Owned by the ChunkJob.
/// </summary>
public static class RunSecretBuilder
{
    public const string MountPath = "/etc/chunkgate";
    public const string ConfigKey = "sidecar.json";
    public const string UsernameKey = "username";
    public const string PasswordKey = "password";
    public const string MaskingKeyKey = "masking-key";
    public const string CaKey = "ca.crt";

    public static V1Secret Build(RunRequest run, string password, ReadOnlySpan<byte> maskingKey, string? caCertificatePem, int sidecarPort, string? otlpEndpoint)
    {
        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [UsernameKey] = Encoding.UTF8.GetBytes(run.Names.Role),
            [PasswordKey] = Encoding.UTF8.GetBytes(password),
            [MaskingKeyKey] = maskingKey.ToArray(),
            [ConfigKey] = Encoding.UTF8.GetBytes(SidecarConfiguration(run, caCertificatePem is not null, sidecarPort, otlpEndpoint)),
        };
        if (caCertificatePem is not null)
        {
            data[CaKey] = Encoding.UTF8.GetBytes(caCertificatePem);
        }

        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = RunMetadata.For(run, run.Names.Secret),
            Type = "Opaque",
            Immutable = true,
            Data = data,
        };
    }

    /// <summary>
    /// The sidecar's JSON configuration (README, "The masking sidecar on its own"); it holds paths,
    /// never the secrets themselves. The paths are relative to the Secret's mount, the sidecar's
    /// working directory, so the configuration does not depend on where the volume is mounted (the
    /// local cluster's process kubelet materialises it in a per-Pod directory). The recording goes to
    /// stdout, the container log, which the operator keeps when the run ends.
    /// </summary>
    public static string SidecarConfiguration(RunRequest run, bool withCa, int sidecarPort, string? otlpEndpoint)
    {
        var endpoint = run.Connection.Endpoint;
        var upstream = new JsonObject
        {
            ["host"] = endpoint.Host,
            ["port"] = endpoint.Port,
            ["database"] = endpoint.Database,
            ["sslMode"] = WireName.Of(endpoint.SslMode),
        };
        if (withCa)
        {
            upstream["caFile"] = CaKey;
        }

        var masking = run.Connection.Masking;
        var config = new JsonObject
        {
            ["listen"] = $"127.0.0.1:{sidecarPort}",
            ["upstream"] = upstream,
            ["credential"] = new JsonObject
            {
                ["usernameFile"] = UsernameKey,
                ["passwordFile"] = PasswordKey,
            },
            ["expiresAt"] = run.ExpiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["action"] = WireName.Of(run.Spec.Action),
            ["masking"] = new JsonObject
            {
                ["columns"] = new JsonArray([.. (masking?.Columns ?? []).Select(c => (JsonNode)new JsonObject { ["column"] = c.Column, ["strategy"] = WireName.Of(c.Strategy) })]),
                ["detectors"] = new JsonArray([.. (masking?.Detectors ?? []).Select(d => (JsonNode)JsonValue.Create(WireName.Of(d))!)]),
                ["hashKeyFile"] = MaskingKeyKey,
            },
            ["recording"] = new JsonObject { ["path"] = "-" },
            ["otlp"] = new JsonObject { ["endpoint"] = otlpEndpoint },
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }
}

/// <summary>The metadata the run's Pod and Secret share: deterministic name, links to job, run and approvals, the job as controller owner.</summary>
internal static class RunMetadata
{
    public static V1ObjectMeta For(RunRequest run, string name) => new()
    {
        Name = name,
        NamespaceProperty = run.Namespace,
        Labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RunLabels.ManagedBy] = RunLabels.ManagedByValue,
            [RunLabels.JobUid] = run.JobUid,
            [RunLabels.Run] = run.RunId,
        },
        Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RunLabels.Job] = run.JobName,
            [RunLabels.Approvals] = string.Join(",", run.Approvals),
        },
        OwnerReferences =
        [
            new V1OwnerReference
            {
                ApiVersion = ApiGroup.ApiVersion,
                Kind = "ChunkJob",
                Name = run.JobName,
                Uid = run.JobUid,
                Controller = true,
                BlockOwnerDeletion = true,
            },
        ],
    };
}
