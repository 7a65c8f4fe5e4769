using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Credentials;
using Npgsql;

namespace ChunkGate.Broker.Probe;

/// <summary>
/// A broker process for the crash test: issues one credential and, at the named checkpoint
/// ("before-commit" or "committed"), says so on stdout and waits to be killed.
/// Arguments: checkpoint, job uid, table. The admin connection string comes from
/// CHUNKGATE_PROBE_ADMIN (never on a command line).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var admin = Environment.GetEnvironmentVariable("CHUNKGATE_PROBE_ADMIN")
            ?? throw new InvalidOperationException("CHUNKGATE_PROBE_ADMIN is not set");
        await using var dataSource = NpgsqlDataSource.Create(admin);
        var broker = new CredentialBroker(dataSource, TimeProvider.System)
        {
            Checkpoint = async point =>
            {
                if (point == args[0])
                {
                    Console.Out.WriteLine($"at {point}");
                    Console.Out.Flush();
                    await Task.Delay(Timeout.Infinite);
                }
            },
        };
        await broker.IssueAsync(new CredentialRequest(args[1], "data-jobs", "crash", 1, JobAction.Read, [args[2]], DateTimeOffset.UtcNow.AddMinutes(15)));
        Console.Out.WriteLine("issued");
        return 0;
    }
}
