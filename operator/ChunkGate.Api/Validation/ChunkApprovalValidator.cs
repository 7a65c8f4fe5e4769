using System.Text.RegularExpressions;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Durations;
using ChunkGate.Api.Hashing;

namespace ChunkGate.Api.Validation;

/// <summary>Rules for a ChunkApproval, on its own and against its job's DataConnection.</summary>
public static partial class ChunkApprovalValidator
{
    public const int MaxReasonLength = 1024;

    public static ValidationResult Validate(ChunkApproval approval)
    {
        var result = new ValidationResult();
        var spec = approval.Spec;
        if (spec is null)
        {
            result.Error("spec", "Required value");
            return result;
        }

        FieldRules.ObjectName(result, "spec.jobRef.name", spec.JobRef?.Name);
        FieldRules.Duration(result, "spec.ttl", spec.Ttl);
        if (FieldRules.Required(result, "spec.reason", spec.Reason) && spec.Reason.Length > MaxReasonLength)
        {
            result.Error("spec.reason", $"Too long: must have at most {MaxReasonLength} characters");
        }

        if (spec.JobSpecHash is not null && !SpecHashRegex().IsMatch(spec.JobSpecHash))
        {
            result.Error("spec.jobSpecHash", $"must look like sha256:<64 lower-case hex digits>, got \"{spec.JobSpecHash}\"");
        }

        return result;
    }

    /// <summary>The TTL cap (design rule 3): an approval never outlives the connection's maxTTL.</summary>
    public static ValidationResult ValidateAgainst(ChunkApproval approval, DataConnection connection)
    {
        var result = new ValidationResult();
        if (KubeDuration.TryParse(approval.Spec.Ttl, out var ttl, out _) &&
            KubeDuration.TryParse(connection.Spec.MaxTTL, out var maxTtl, out _) &&
            ttl > maxTtl)
        {
            result.Error("spec.ttl", $"must be at most maxTTL {connection.Spec.MaxTTL} of DataConnection \"{connection.Metadata.Name}\", got {approval.Spec.Ttl}");
        }

        return result;
    }

    [GeneratedRegex(SpecHash.Pattern)]
    private static partial Regex SpecHashRegex();
}
