using ChunkGate.Api.Approvals;
using ChunkGate.Api.Meta;

namespace ChunkGate.Api.Tests.Builders;

internal static class ChunkApprovals
{
    public static ChunkApproval For(string job, string ttl = "10m", Action<ChunkApprovalSpec>? change = null)
    {
        var approval = new ChunkApproval
        {
            Metadata = { Name = job + "-approval", NamespaceProperty = "data-jobs" },
            Spec = new ChunkApprovalSpec { JobRef = new NameReference { Name = job }, Ttl = ttl, Reason = "FIN-1: reconciliation" },
        };
        change?.Invoke(approval.Spec);
        return approval;
    }
}
