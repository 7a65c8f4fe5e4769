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

    /// <summary>Runs the broker's statements in order in one round trip (a batch stops at the first error).</summary>
    public static async Task ExecuteAllAsync(this NpgsqlConnection connection, IEnumerable<string> statements, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
