namespace ChunkGate.Operator.Admission;

/// <summary>
/// A DataConnection holds the rules every job on it is judged by (who designs, who approves, caps,
/// masking): only admins (<c>--admin-groups</c>) and the operator itself may create, change or
/// delete one, as a second lock behind RBAC, so a mis-granted role cannot make its holder an
/// executor or unmask a column. The control plane may delete (namespace deletion, garbage collection).
/// </summary>
public static class ConnectionAdmission
{
    public static AdmissionVerdict Decide(AdmissionOperation operation, UserInfo user, AdmissionSettings settings, string ns, string name)
    {
        var allowed = string.Equals(user.Username, settings.OperatorIdentity, StringComparison.Ordinal)
            || user.InAny(settings.AdminGroups)
            || (operation == AdmissionOperation.Delete && user.IsControlPlane);
        var verb = operation switch
        {
            AdmissionOperation.Create => "create",
            AdmissionOperation.Update => "change",
            _ => "delete",
        };
        return allowed
            ? AdmissionVerdict.Allow()
            : AdmissionVerdict.Deny($"only members of the admin groups ({string.Join(", ", settings.AdminGroups)}) may {verb} DataConnection {ns}/{name}; {user.Username} is not");
    }
}
