namespace ChunkGate.Operator.Admission;

/// <summary>The authenticated requester, as the API server puts it in <c>AdmissionReview.request.userInfo</c>.</summary>
public sealed record UserInfo(string Username, IReadOnlyList<string> Groups)
{
    public bool InAny(IEnumerable<string> groups) => groups.Any(Groups.Contains);

    /// <summary>
    /// Garbage collection and namespace deletion delete objects on behalf of someone who was allowed
    /// to delete their owner; refusing them would leave namespaces stuck terminating.
    /// </summary>
    public bool IsControlPlane =>
        Username == "system:kube-controller-manager" || Username.StartsWith("system:serviceaccount:kube-system:", StringComparison.Ordinal);
}

public enum AdmissionOperation
{
    Create,
    Update,
    Delete,
}

/// <summary>
/// Who is special to admission: the operator's own identity (the only writer of status), the GitOps
/// identities trusted to apply jobs on a designer's behalf, and the groups that may revoke any approval.
/// </summary>
public sealed record AdmissionSettings(string OperatorIdentity, IReadOnlyCollection<string> GitOpsIdentities, IReadOnlyCollection<string> AdminGroups);

/// <summary>
/// Allowed or denied with one sentence a person understands (kubectl prints it), warnings either way.
/// </summary>
public sealed record AdmissionVerdict(bool Allowed, string? Message = null, IReadOnlyList<string>? Warnings = null)
{
    public static AdmissionVerdict Allow(IReadOnlyList<string>? warnings = null) => new(true, null, warnings);

    public static AdmissionVerdict Deny(string message) => new(false, message);

    public IReadOnlyList<string> AllWarnings => Warnings ?? [];
}

/// <summary>Annotations ChunkGate's webhooks own.</summary>
public static class AdmissionAnnotations
{
    /// <summary>Who designed a ChunkJob; the one definition is in the API, where the kubectl plugin reads it too.</summary>
    public const string Designer = Api.Meta.ChunkGateAnnotations.Designer;
}
