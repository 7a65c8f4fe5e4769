using System.ComponentModel;
using ChunkGate.Api.Durations;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Validation;
using ChunkGate.Api.Meta;
using ChunkGate.Api.Schema;

namespace ChunkGate.Api.Connections;

[KubernetesEntity("DataConnection", "dataconnections", ShortNames = ["dconn"], Categories = ["chunkgate"],
    Description = "A production database that ChunkGate guards, owned by the platform admin: endpoint, admin credential, caps, approver groups and masking rules.")]
[PrinterColumn(0, "Engine", PrinterColumnType.String, ".spec.engine")]
[PrinterColumn(1, "Host", PrinterColumnType.String, ".spec.endpoint.host")]
[PrinterColumn(2, "Max TTL", PrinterColumnType.String, ".spec.maxTTL")]
[PrinterColumn(3, "Reachable", PrinterColumnType.Boolean, ".status.reachable")]
[PrinterColumn(4, "Active", PrinterColumnType.Integer, ".status.activeCredentials", Description = "Ephemeral credentials currently live.")]
[PrinterColumn(5, "Age", PrinterColumnType.Date, ".metadata.creationTimestamp")]
public sealed class DataConnection() : CustomResource<DataConnectionSpec, DataConnectionStatus>("DataConnection");

public sealed class DataConnectionSpec : ResourceSpec
{
    [Required, Description("Database engine. Only PostgreSQL is supported."), Default("postgresql")]
    public DatabaseEngine Engine { get; set; } = DatabaseEngine.PostgreSql;

    [Required, Description("Where the database listens.")]
    public Endpoint Endpoint { get; set; } = new();

    [Required, Description("Secret (same namespace) holding the admin credential the operator uses to create ephemeral roles. Only the operator reads it.")]
    public SecretKeysReference AdminSecretRef { get; set; } = new();

    [System.Text.Json.Serialization.JsonPropertyName("maxTTL")]
    [Description("Longest approval TTL allowed, as a duration (90s, 10m, 1h30m). Credentials, run Pods and sidecars never outlive it."),
     Pattern(KubeDuration.Pattern), Default("15m")]
    public string MaxTTL { get; set; } = "15m";

    [Required, Description("Actions jobs on this connection may perform."), Items(1, 4, Unique = true)]
    public List<JobAction> AllowedActions { get; set; } = [];

    [Required, Description("Groups (as the API server authenticates them) whose members may design ChunkJobs."), Items(1, 64, Unique = true)]
    public List<string> DesignerGroups { get; set; } = [];

    [Required, Description("Groups whose members may approve ChunkJobs they did not design."), Items(1, 64, Unique = true)]
    public List<string> ExecutorGroups { get; set; } = [];

    [Description("Distinct executors who must approve a job before it runs."), Range(1, 5), Default(1)]
    public int RequiredApprovals { get; set; } = 1;

    [Description("Columns masked on every result, and value detectors as a backstop.")]
    public MaskingRules? Masking { get; set; }
}

public enum DatabaseEngine
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("postgresql")] PostgreSql,
}

public sealed class Endpoint
{
    [Required, Description("Host name or IP address of the database server."), Length(1, 253)]
    public string Host { get; set; } = "";

    [Description("TCP port."), Range(1, 65535), Default(5432)]
    public int Port { get; set; } = 5432;

    [Required, Description("Database name."), Length(1, 63)]
    public string Database { get; set; } = "";

    [Description("TLS to the database: disable, require (encrypt, no verification) or verify-full (CA and host name checked)."), Default("verify-full")]
    public SslMode SslMode { get; set; } = SslMode.VerifyFull;

    [Description("Secret (same namespace) whose key ca.crt holds the CA bundle for verify-full.")]
    public NameReference? CaSecretRef { get; set; }
}

public enum SslMode
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("disable")] Disable,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("require")] Require,
    [System.Text.Json.Serialization.JsonStringEnumMemberName("verify-full")] VerifyFull,
}

public sealed class SecretKeysReference
{
    [Required, Description("Secret name in the same namespace."), Length(1, 253)]
    public string Name { get; set; } = "";

    [Description("Key holding the user name."), Default("username")]
    public string UsernameKey { get; set; } = "username";

    [Description("Key holding the password."), Default("password")]
    public string PasswordKey { get; set; } = "password";
}

public sealed class DataConnectionStatus
{
    [Description("The metadata.generation this status was computed from.")]
    public long? ObservedGeneration { get; set; }

    [Description("Whether the operator could connect with the admin credential at the last check.")]
    public bool? Reachable { get; set; }

    [Description("When reachability was last checked.")]
    public DateTimeOffset? LastCheckedAt { get; set; }

    [Description("Ephemeral roles currently live on this connection.")]
    public int? ActiveCredentials { get; set; }

    [Description("The uid of the masking key Secret (in the operator's namespace, made by the operator) the database's masking views were last built with; runs get only this key.")]
    public string? MaskingKeyUid { get; set; }

    [ListMapKey("type")]
    public List<Condition>? Conditions { get; set; }
}
