namespace ChunkGate.Broker;

/// <summary>
/// A broker operation that did not complete. <see cref="Retryable"/> says whether the same call
/// may succeed later (database down, lock timeout, too many connections) or never will (a table
/// that does not exist, bad input): the controller requeues the first with backoff and puts the
/// second in a condition. Messages name tables and roles, never a password or connection string.
/// </summary>
public sealed class BrokerException(string message, bool retryable, Exception? inner = null) : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;
}
