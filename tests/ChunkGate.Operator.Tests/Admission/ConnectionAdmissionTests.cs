using ChunkGate.Operator.Admission;

namespace ChunkGate.Operator.Tests.Admission;

public sealed class ConnectionAdmissionTests
{
    private static readonly AdmissionSettings Settings = new("system:serviceaccount:chunkgate-system:chunkgate-operator", ["argocd-sa"], ["system:masters", "platform"]);

    [TestCase(AdmissionOperation.Create, "root", "system:masters")]
    [TestCase(AdmissionOperation.Update, "pat", "platform")]
    [TestCase(AdmissionOperation.Delete, "root", "system:masters")]
    [TestCase(AdmissionOperation.Update, "system:serviceaccount:chunkgate-system:chunkgate-operator", "system:serviceaccounts")]
    [TestCase(AdmissionOperation.Delete, "system:serviceaccount:kube-system:namespace-controller", "system:serviceaccounts")]
    [TestCase(AdmissionOperation.Delete, "system:kube-controller-manager", "system:authenticated")]
    public void AnAdmin_TheOperator_OrTheControlPlaneDeleting_IsAllowed(AdmissionOperation operation, string user, string group) =>
        ConnectionAdmission.Decide(operation, new UserInfo(user, [group]), Settings, "demo", "demo-db").Allowed.Should().BeTrue();

    [TestCase(AdmissionOperation.Create, "alice", "chunkgate:designers", "only members of the admin groups (system:masters, platform) may create DataConnection demo/demo-db; alice is not")]
    [TestCase(AdmissionOperation.Update, "bob", "chunkgate:executors", "only members of the admin groups (system:masters, platform) may change DataConnection demo/demo-db; bob is not")]
    [TestCase(AdmissionOperation.Delete, "bob", "chunkgate:executors", "only members of the admin groups (system:masters, platform) may delete DataConnection demo/demo-db; bob is not")]
    [TestCase(AdmissionOperation.Update, "argocd-sa", "system:serviceaccounts", "only members of the admin groups (system:masters, platform) may change DataConnection demo/demo-db; argocd-sa is not")]
    [TestCase(AdmissionOperation.Create, "system:serviceaccount:kube-system:namespace-controller", "system:serviceaccounts", "only members of the admin groups (system:masters, platform) may create DataConnection demo/demo-db; system:serviceaccount:kube-system:namespace-controller is not")]
    public void AnyoneElse_IsDenied(AdmissionOperation operation, string user, string group, string message)
    {
        var verdict = ConnectionAdmission.Decide(operation, new UserInfo(user, [group]), Settings, "demo", "demo-db");

        verdict.Allowed.Should().BeFalse();
        verdict.Message.Should().Be(message);
    }
}
