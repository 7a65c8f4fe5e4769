using ChunkGate.Broker.Connection;
using Npgsql;

namespace ChunkGate.Broker;

/// <summary>Creates the broker's schemas, ledger and hash functions in the target database (idempotent).</summary>
internal static class BrokerInstaller
{
    public static async Task InstallAsync(NpgsqlDataSource admin, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand(BrokerSchema.InstallSql, connection))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var command = new NpgsqlCommand(Credentials.RetiredRole.EnsureSql, connection))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or IOException or TimeoutException)
        {
            throw DatabaseErrors.Wrap("installing ChunkGate's schema", exception);
        }
    }
}
