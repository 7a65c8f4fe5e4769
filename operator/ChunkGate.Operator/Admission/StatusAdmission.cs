namespace ChunkGate.Operator.Admission;

/// <summary>
/// Status is the operator's record (consumed approvals, phases, runs): nobody else may write the
/// status subresource of a ChunkJob or ChunkApproval. A second lock behind RBAC, so a mis-granted
/// role cannot un-consume an approval or fake a run's end.
/// </summary>
public static class StatusAdmission
{
    public static AdmissionVerdict Decide(UserInfo user, AdmissionSettings settings, string kind, string ns, string name) =>
        string.Equals(user.Username, settings.OperatorIdentity, StringComparison.Ordinal)
            ? AdmissionVerdict.Allow()
            : AdmissionVerdict.Deny($"only the ChunkGate operator may write the status of {kind} {ns}/{name}; {user.Username} may not");
}
