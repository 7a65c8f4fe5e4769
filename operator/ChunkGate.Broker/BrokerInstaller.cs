using ChunkGate.Broker.Connection;
using Npgsql;

namespace ChunkGate.Broker;

/// <summary>Creates the broker's schemas, ledger and hash functions in the target database (idempotent).</summary>
internal static class BrokerInstaller
{
    // SQLSTATEs of two installs racing on CREATE ... IF NOT EXISTS or on one catalog row.
    private static readonly HashSet<string> Races = [PostgresErrorCodes.UniqueViolation, PostgresErrorCodes.DuplicateSchema, PostgresErrorCodes.DuplicateTable, PostgresErrorCodes.InternalError];

    public static async Task InstallAsync(NpgsqlDataSource admin, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await BootstrapAsync(connection, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The grants lock's schema and table, without a lock to take yet: a race with another install is retried.</summary>
    private static async Task BootstrapAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using (var exists = new NpgsqlCommand("SELECT pg_catalog.to_regclass('chunkgate.grants_lock') IS NOT NULL", connection))
            {
                if ((bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    return;
                }
            }

            try
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (var command = new NpgsqlCommand(BrokerSchema.BootstrapSql, connection))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PostgresException exception) when (attempt < 10 && Races.Contains(exception.SqlState))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50) * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
