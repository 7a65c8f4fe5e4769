using System.Net.Sockets;
using Npgsql;

namespace ChunkGate.Broker.Connection;

/// <summary>Sorts database failures into retryable and terminal ones (a pure decision on the exception).</summary>
internal static class DatabaseErrors
{
    public static bool IsRetryable(Exception exception) => exception switch
    {
        PostgresException postgres => IsRetryableState(postgres.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// SQLSTATE classes that say "not now": connection exceptions (08), insufficient resources (53),
    /// operator intervention (57: shutdown, cannot connect now, cancelled by a timeout), lock not
    /// available (55P03), serialization failure and deadlock (40001, 40P01).
    /// </summary>
    public static bool IsRetryableState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState.StartsWith("57", StringComparison.Ordinal)
        || sqlState is "55P03" or "40001" or "40P01";

    /// <summary>
    /// The broker's exception for a failed operation: the server's message text only (never the
    /// statement, which may be utility SQL), and whether it is worth retrying.
    /// </summary>
    public static BrokerException Wrap(string operation, Exception exception)
    {
        var detail = exception switch
        {
            PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
            NpgsqlException or SocketException or IOException or TimeoutException => "the database could not be reached or did not answer in time",
            _ => exception.GetType().Name,
        };
        return new BrokerException($"{operation} failed: {detail}", IsRetryable(exception), exception is PostgresException ? null : exception);
    }
}
