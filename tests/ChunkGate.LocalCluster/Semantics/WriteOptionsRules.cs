using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>
/// Validation of the options of a write (apimachinery's ValidateCreateOptions, ValidateUpdateOptions,
/// ValidatePatchOptions, ValidateDeleteOptions), checked before the object is read: a 422 on
/// meta.k8s.io CreateOptions/UpdateOptions/PatchOptions/DeleteOptions. Apply needs an explicit
/// fieldManager (other writes default it from the user agent), and <c>force</c> is for apply only.
/// Reads ignore these options, as the real server does.
/// </summary>
internal static class WriteOptionsRules
{
    public const string ApplyPatch = "application/apply-patch+yaml";

    private const int FieldManagerMaxLength = 128;

    /// <param name="optionsKind">CreateOptions, UpdateOptions, PatchOptions or DeleteOptions.</param>
    /// <param name="patchType">The PATCH media type; empty for other writes.</param>
    /// <param name="forceGiven">Whether <c>force</c> was given at all (any value counts, as a non-nil pointer).</param>
    public static void Check(string optionsKind, string patchType, string fieldManager, bool forceGiven, IReadOnlyList<string> dryRun, string fieldValidation)
    {
        var causes = new List<StatusCause>();
        if (optionsKind == "PatchOptions" && patchType != ApplyPatch && forceGiven)
        {
            causes.Add(new StatusCause("FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force"));
        }

        if (optionsKind == "PatchOptions" && patchType == ApplyPatch && fieldManager.Length == 0)
        {
            causes.Add(new StatusCause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager"));
        }

        if (optionsKind != "DeleteOptions" && System.Text.Encoding.UTF8.GetByteCount(fieldManager) > FieldManagerMaxLength)
        {
            causes.Add(new StatusCause("FieldValueTooLong", $"Too long: may not be more than {FieldManagerMaxLength} bytes", "fieldManager"));
        }

        if (dryRun.Any(value => value != "All"))
        {
            causes.Add(new StatusCause("FieldValueNotSupported",
                $"Unsupported value: [{string.Join(", ", dryRun.Select(v => $"\"{v}\""))}]: supported values: \"All\"", "dryRun"));
        }

        if (optionsKind != "DeleteOptions" && fieldValidation is not ("" or "Ignore" or "Strict" or "Warn"))
        {
            causes.Add(new StatusCause("FieldValueNotSupported",
                $"Unsupported value: \"{fieldValidation}\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"", "fieldValidation"));
        }

        if (causes.Count > 0)
        {
            throw ApiError.Invalid("meta.k8s.io", optionsKind, "", causes);
        }
    }
}
