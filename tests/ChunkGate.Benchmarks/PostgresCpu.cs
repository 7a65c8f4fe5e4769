using System.Globalization;
using Npgsql;

namespace ChunkGate.Benchmarks;

/// <summary>
/// CPU used by a local PostgreSQL server: the postmaster, the backends it has reaped (their whole
/// lives) and each live backend's own. Read from /proc, so the server must run on this machine.
/// </summary>
internal sealed class PostgresCpu(int postmaster)
{
    public static async Task<PostgresCpu> ForAsync(NpgsqlConnection admin, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SHOW data_directory", admin);
        var dataDirectory = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        var pid = int.Parse((await File.ReadAllLinesAsync(Path.Combine(dataDirectory, "postmaster.pid"), cancellationToken))[0], CultureInfo.InvariantCulture);
        return new PostgresCpu(pid);
    }

    public TimeSpan Take()
    {
        var ticks = 0L;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || ProcessCpu.Fields(pid) is not { } fields)
            {
                continue;
            }

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
