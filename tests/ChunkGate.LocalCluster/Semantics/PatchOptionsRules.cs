using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>
/// PatchOptions validation (apimachinery's ValidatePatchOptions), checked before the object is read:
/// apply needs an explicit fieldManager (only other writes default it from the user agent), and
/// <c>force</c> is meaningful only for apply.
/// </summary>
internal static class PatchOptionsRules
{
    public const string ApplyPatch = "application/apply-patch+yaml";

    public static void Check(string patchType, string fieldManager, bool forceGiven)
    {
        StatusCause? cause = (patchType == ApplyPatch, fieldManager.Length > 0, forceGiven) switch
        {
            (true, false, _) => new StatusCause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager"),
            (false, _, true) => new StatusCause("FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force"),
            _ => null,
        };
        if (cause is not null)
        {
            throw ApiError.Invalid("meta.k8s.io", "PatchOptions", "", [cause]);
        }
    }
}
