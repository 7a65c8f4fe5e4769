using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;

namespace ChunkGate.Api;

/// <summary>Every kind ChunkGate serves, in the order CRDs are generated and documented.</summary>
public static class ApiKinds
{
    public static IReadOnlyList<Type> All { get; } = [typeof(DataConnection), typeof(ChunkJob), typeof(ChunkApproval)];
}
