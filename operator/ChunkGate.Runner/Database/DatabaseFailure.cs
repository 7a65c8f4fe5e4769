using System.Net.Sockets;
using Npgsql;

namespace ChunkGate.Runner.Database;

/// <summary>What a failure from the database path says: its SQLSTATE and message as the sidecar returned them (so already masked).</summary>
internal readonly record struct DatabaseFailure(string? SqlState, string Message)
{
    /// <summary>A failure of the database path, or null for an exception that is not one (a bug, which should crash loudly).</summary>
    public static DatabaseFailure? From(Exception exception) => exception switch
    {
        PostgresException postgres => new DatabaseFailure(postgres.SqlState, postgres.MessageText),
        // Npgsql reports a statement cancelled by the runner (expiry, SIGTERM) this way.
        OperationCanceledException { InnerException: PostgresException postgres } => new DatabaseFailure(postgres.SqlState, postgres.MessageText),
        OperationCanceledException => new DatabaseFailure("57014", exception.Message),
        // The connection broke (sidecar gone, backend terminated): connection_failure, as libpq reports it.
        NpgsqlException or SocketException or IOException or TimeoutException => new DatabaseFailure("08006", exception.Message),
        _ => null,
    };
}
