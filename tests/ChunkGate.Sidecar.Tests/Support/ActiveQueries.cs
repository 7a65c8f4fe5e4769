using ChunkGate.Testing.Waiting;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>Waits for a statement to be running on the server, so a cancel sent next cannot arrive before it.</summary>
internal static class ActiveQueries
{
    public static async Task WaitUntilRunningAsync(NpgsqlConnection observer, string query)
    {
        await using var probe = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = $1", observer) { Parameters = { new() { Value = query } } };
        await Eventually.TrueAsync(async () => (long)(await probe.ExecuteScalarAsync())! > 0, $"'{query}' is running");
    }
}
