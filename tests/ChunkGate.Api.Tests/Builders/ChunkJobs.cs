using ChunkGate.Api.Jobs;
using ChunkGate.Api.Meta;

namespace ChunkGate.Api.Tests.Builders;

internal static class ChunkJobs
{
    public static ChunkJob Export(Action<ChunkJobSpec>? change = null)
    {
        var job = new ChunkJob
        {
            Metadata = { Name = "export-orders", NamespaceProperty = "data-jobs" },
            Spec = new ChunkJobSpec
            {
                ConnectionRef = new NameReference { Name = "orders-prod" },
                Action = JobAction.Export,
                Tables = ["public.orders", "public.customers"],
                Chunking = new Chunking { Table = "public.orders", KeyColumn = "id", ChunkSize = 1000 },
                Query = "SELECT * FROM public.orders WHERE id >= $1 AND id < $2",
            },
        };
        change?.Invoke(job.Spec);
        return job;
    }
}
