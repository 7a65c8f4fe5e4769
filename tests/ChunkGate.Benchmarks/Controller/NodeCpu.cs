using System.Diagnostics;
using ChunkGate.Operator.Tests.Installation;
using Npgsql;

namespace ChunkGate.Benchmarks.Controller;

/// <summary>
/// CPU used on the node by everything a run costs: the operator, this process (the local cluster's
/// API server runs in it, with the bench's own watchers and clients), and PostgreSQL (the
/// postmaster, its live backends, and the backends it has reaped). Their sum over a burst, divided
/// by the node's cores, is the shortest time the burst can take on this machine however the
/// operator schedules its work.
/// </summary>
internal sealed class NodeCpu(OperatorProcess process, PostgresCpu postgres)
{
    public readonly record struct Sample(TimeSpan Operator, TimeSpan ApiServerAndBench, TimeSpan Postgres)
    {
        public TimeSpan Total => Operator + ApiServerAndBench + Postgres;

        public static Sample operator -(Sample after, Sample before) =>
            new(after.Operator - before.Operator, after.ApiServerAndBench - before.ApiServerAndBench, after.Postgres - before.Postgres);
    }

    public static async Task<NodeCpu> ForAsync(OperatorProcess process, NpgsqlConnection admin, CancellationToken cancellationToken) =>
        new(process, await PostgresCpu.ForAsync(admin, cancellationToken));

    public Sample Take()
    {
        using var self = Process.GetCurrentProcess();
        return new Sample(process.CpuTime(), self.TotalProcessorTime, postgres.Take());
    }
}
