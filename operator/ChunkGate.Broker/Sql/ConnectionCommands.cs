using Npgsql;

namespace ChunkGate.Broker.Sql;

internal static class ConnectionCommands
{
    /// <summary>Runs one statement built by the broker (utility statements take no parameters).</summary>
    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
