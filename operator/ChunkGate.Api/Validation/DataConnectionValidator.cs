using ChunkGate.Api.Connections;
using ChunkGate.Api.Durations;
using ChunkGate.Api.Meta;

namespace ChunkGate.Api.Validation;

/// <summary>Rules for a DataConnection on its own.</summary>
public static class DataConnectionValidator
{
    /// <summary>No approval may last longer than this, whatever an admin writes: credentials are meant to be short-lived.</summary>
    public static readonly TimeSpan LongestMaxTtl = TimeSpan.FromHours(24);

    public static ValidationResult Validate(DataConnection connection)
    {
        var result = new ValidationResult();
        var spec = connection.Spec;
        if (spec is null)
        {
            result.Error("spec", "Required value");
            return result;
        }

        FieldRules.Enum(result, "spec.engine", spec.Engine);
        if (spec.Endpoint is null)
        {
            result.Error("spec.endpoint", "Required value");
        }
        else
        {
            FieldRules.Required(result, "spec.endpoint.host", spec.Endpoint.Host);
            if (spec.Endpoint.Port is < 1 or > 65535)
            {
                result.Error("spec.endpoint.port", $"must be between 1 and 65535, got {spec.Endpoint.Port}");
            }

            FieldRules.Required(result, "spec.endpoint.database", spec.Endpoint.Database);
            FieldRules.Enum(result, "spec.endpoint.sslMode", spec.Endpoint.SslMode);
            if (spec.Endpoint.SslMode == SslMode.Disable)
            {
                result.Warning("spec.endpoint.sslMode", "disable sends credentials and data to the database unencrypted");
            }

            if (spec.Endpoint.CaSecretRef is not null)
            {
                FieldRules.ObjectName(result, "spec.endpoint.caSecretRef.name", spec.Endpoint.CaSecretRef.Name);
            }
        }

        if (spec.AdminSecretRef is null)
        {
            result.Error("spec.adminSecretRef", "Required value");
        }
        else
        {
            FieldRules.ObjectName(result, "spec.adminSecretRef.name", spec.AdminSecretRef.Name);
            FieldRules.Required(result, "spec.adminSecretRef.usernameKey", spec.AdminSecretRef.UsernameKey);
            FieldRules.Required(result, "spec.adminSecretRef.passwordKey", spec.AdminSecretRef.PasswordKey);
        }

        var maxTtl = FieldRules.Duration(result, "spec.maxTTL", spec.MaxTTL);
        if (maxTtl > LongestMaxTtl)
        {
            result.Error("spec.maxTTL", $"must be at most {KubeDuration.Format(LongestMaxTtl)}, got {spec.MaxTTL}");
        }

        var actions = spec.AllowedActions ?? [];
        if (actions.Count == 0)
        {
            result.Error("spec.allowedActions", "Required value: at least one action");
        }

        for (var i = 0; i < actions.Count; i++)
        {
            FieldRules.Enum(result, $"spec.allowedActions[{i}]", actions[i]);
        }

        FieldRules.Unique(result, "spec.allowedActions", actions, WireName.Of);
        ValidateGroups(result, "spec.designerGroups", spec.DesignerGroups);
        ValidateGroups(result, "spec.executorGroups", spec.ExecutorGroups);
        foreach (var shared in (spec.DesignerGroups ?? []).Intersect(spec.ExecutorGroups ?? [], StringComparer.Ordinal))
        {
            result.Warning("spec.executorGroups", $"group \"{shared}\" is also a designer group: its members can approve jobs designed by others in it (never their own)");
        }

        if (spec.RequiredApprovals is < 1 or > 5)
        {
            result.Error("spec.requiredApprovals", $"must be between 1 and 5, got {spec.RequiredApprovals}");
        }

        if (spec.Masking is not null)
        {
            ValidateMasking(result, spec.Masking);
        }

        return result;
    }

    private static void ValidateGroups(ValidationResult result, string path, List<string>? groups)
    {
        if (groups is null || groups.Count == 0)
        {
            result.Error(path, "Required value: at least one group");
            return;
        }

        for (var i = 0; i < groups.Count; i++)
        {
            FieldRules.Required(result, $"{path}[{i}]", groups[i]);
        }

        FieldRules.Unique(result, path, groups, group => group);
    }

    private static void ValidateMasking(ValidationResult result, MaskingRules masking)
    {
        var columns = masking.Columns ?? [];
        for (var i = 0; i < columns.Count; i++)
        {
            var path = $"spec.masking.columns[{i}]";
            if (!Identifiers.TryParseQualified(columns[i].Column, 3, out _))
            {
                result.Error($"{path}.column", $"must be schema.table.column, got \"{columns[i].Column}\" (unquoted identifiers are lower-case; quote others, e.g. public.\"Customers\".ssn)");
            }

            FieldRules.Enum(result, $"{path}.strategy", columns[i].Strategy);
        }

        FieldRules.Unique(result, "spec.masking.columns", columns, column => column.Column);
        var detectors = masking.Detectors ?? [];
        for (var i = 0; i < detectors.Count; i++)
        {
            FieldRules.Enum(result, $"spec.masking.detectors[{i}]", detectors[i]);
        }

        FieldRules.Unique(result, "spec.masking.detectors", detectors, WireName.Of);
    }
}
