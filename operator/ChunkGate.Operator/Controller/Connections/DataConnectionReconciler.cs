using ChunkGate.Api.Connections;
using ChunkGate.Api.Meta;
using ChunkGate.Broker;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Decisions;
using ChunkGate.Operator.Status;

namespace ChunkGate.Operator.Controller.Connections;

/// <summary>
/// DataConnection: makes its masking key exist (<see cref="MaskingKeys"/>), applies its masking
/// rules to the database (views, key, live roles' privileges) whenever its spec or its key changes,
/// and reports reachability, the key the views were built with and the number of live ChunkGate
/// roles. Status is written only when it changed.
/// </summary>
internal sealed class DataConnectionReconciler(ControllerCaches caches, ConnectionBrokers brokers, MaskingKeys keys, ControllerClients clients, AuditTrail audit, TimeProvider clock) : IReconciler
{
    public const string ReadyCondition = "Ready";

    public string Kind => "DataConnection";

    public async Task<ReconcileResult> ReconcileAsync(string namespaceName, string name, CancellationToken cancellationToken)
    {
        var connection = caches.Connections.Get(namespaceName, name);
        if (connection is null)
        {
            // Its key Secret lives in the operator's namespace, where no ownerReference can reach it.
            await keys.RemoveAsync(namespaceName, name, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var now = clock.GetUtcNow();
        var generation = connection.Metadata.Generation ?? 0;
        var previous = connection.Status;
        bool reachable;
        string reason;
        string message;
        int? active = previous?.ActiveCredentials;
        var keyUid = previous?.MaskingKeyUid;
        try
        {
            MaskingKey key;
            try
            {
                key = await keys.EnsureAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NotFoundException or ForbiddenException)
            {
                // Said in the connection's Ready condition, not only in the log (e.g. no operator namespace).
                throw new BrokerException($"the masking key cannot be kept in the operator's namespace {keys.Namespace}: {exception.Message}", retryable: true);
            }

            var access = await brokers.ForAsync(namespaceName, name, connection.Spec, generation, cancellationToken).ConfigureAwait(false);
            if (previous?.ObservedGeneration != generation || previous.Reachable != true || !key.Applied)
            {
                await access.Masking.ApplyAsync(connection.Spec.Masking?.Columns ?? [], key.Key, cancellationToken).ConfigureAwait(false);
                if (!key.Applied)
                {
                    await audit.RecordAsync(connection, keyUid is null
                        ? new AuditEvent("MaskingKeyCreated", $"a new masking key (Secret {keys.Namespace}/{MaskingKeys.SecretName(namespaceName, name, connection.Metadata.Uid)}, uid {key.Uid}) keys the masking views and every run's sidecar")
                        : new AuditEvent("MaskingKeyReplaced", $"the masking key the views were built with (Secret uid {keyUid}) is gone or was replaced by someone else; a new key (uid {key.Uid}) was made and the masking views rebuilt with it: hashed values differ from those of earlier runs", Warning: true),
                        cancellationToken).ConfigureAwait(false);
                }

                keyUid = key.Uid;
            }

            var ledger = await access.Broker.LedgerAsync(cancellationToken).ConfigureAwait(false);
            active = ledger.Count(entry => entry.RevokedAt is null && entry.ExpiresAt > now);
            (reachable, reason, message) = (true, "Reachable", $"masking rules applied ({connection.Spec.Masking?.Columns.Count ?? 0} column(s)); {active} live credential(s)");
        }
        catch (BrokerException failure)
        {
            (reachable, reason, message) = (false, failure.Retryable ? "Unreachable" : "Misconfigured", failure.Message);
        }

        var status = new DataConnectionStatus
        {
            ObservedGeneration = generation,
            Reachable = reachable,
            // Only a change of reachability moves the check time, so an unchanged connection is not rewritten.
            LastCheckedAt = previous?.Reachable == reachable && previous.ObservedGeneration == generation ? previous.LastCheckedAt : now,
            ActiveCredentials = active,
            MaskingKeyUid = keyUid,
            Conditions = Conditions.Set(previous?.Conditions, ReadyCondition, reachable ? ConditionStatus.True : ConditionStatus.False, reason, message, generation, now),
        };
        if (!StatusEquality.Same(status, previous))
        {
            connection.Status = status;
            await clients.Connections.ReplaceStatusAsync(connection, ControllerClients.FieldManager, cancellationToken).ConfigureAwait(false);
        }

        if (!reachable)
        {
            // Retried with backoff by the loop; a misconfiguration waits for the next change of the connection.
            throw new BrokerException($"DataConnection {namespaceName}/{name}: {message}", retryable: true);
        }

        return ReconcileResult.Done;
    }
}
