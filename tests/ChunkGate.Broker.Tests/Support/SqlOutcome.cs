using Npgsql;

namespace ChunkGate.Broker.Tests.Support;

/// <summary>Runs one statement as a role and says whether it was refused for lack of privilege.</summary>
internal static class SqlOutcome
{
    public const string PermissionDenied = "42501";

    /// <summary>The SQLSTATE of the error, or null when the statement succeeded.</summary>
    public static async Task<string?> ErrorOfAsync(NpgsqlConnection connection, string sql)
    {
        try
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }

            return null;
        }
        catch (PostgresException exception)
        {
            return exception.SqlState;
        }
    }
}
