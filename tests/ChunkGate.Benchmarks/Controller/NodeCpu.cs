using System.Diagnostics;
using System.Globalization;
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
internal sealed class NodeCpu(OperatorProcess process, int postmaster)
{
    public readonly record struct Sample(TimeSpan Operator, TimeSpan ApiServerAndBench, TimeSpan Postgres)
    {
        public TimeSpan Total => Operator + ApiServerAndBench + Postgres;

        public static Sample operator -(Sample after, Sample before) =>
            new(after.Operator - before.Operator, after.ApiServerAndBench - before.ApiServerAndBench, after.Postgres - before.Postgres);
    }

    public static async Task<NodeCpu> ForAsync(OperatorProcess process, NpgsqlConnection admin, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SHOW data_directory", admin);
        var dataDirectory = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        var pid = int.Parse((await File.ReadAllLinesAsync(Path.Combine(dataDirectory, "postmaster.pid"), cancellationToken))[0], CultureInfo.InvariantCulture);
        return new NodeCpu(process, pid);
    }

    public Sample Take()
    {
        using var self = Process.GetCurrentProcess();
        return new Sample(process.CpuTime(), self.TotalProcessorTime, PostgresCpu());
    }

    private TimeSpan PostgresCpu()
    {
        var ticks = 0L;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || ProcessCpu.Fields(pid) is not { } fields)
            {
                continue;
            }

            // The postmaster's own time and that of the backends it has reaped; each live backend's own.
            if (pid == postmaster)
            {
                ticks += ProcessCpu.Field(fields, 11) + ProcessCpu.Field(fields, 12) + ProcessCpu.Field(fields, 13) + ProcessCpu.Field(fields, 14);
            }
            else if (ProcessCpu.Field(fields, 1) == postmaster)
            {
                ticks += ProcessCpu.Field(fields, 11) + ProcessCpu.Field(fields, 12);
            }
        }

        return ProcessCpu.FromTicks(ticks);
    }
}
