using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;

namespace ChunkGate.Api.Tests.Builders;

/// <summary>Valid DataConnections to start from; tests change only what they are about.</summary>
internal static class DataConnections
{
    public static DataConnection OrdersProd(Action<DataConnectionSpec>? change = null)
    {
        var connection = new DataConnection
        {
            Metadata = { Name = "orders-prod", NamespaceProperty = "data-jobs" },
            Spec = new DataConnectionSpec
            {
                Endpoint = new Endpoint { Host = "orders-db.prod.internal", Database = "orders" },
                AdminSecretRef = new SecretKeysReference { Name = "orders-db-admin" },
                MaxTTL = "15m",
                AllowedActions = [JobAction.Read, JobAction.Export],
                DesignerGroups = ["chunkgate:designers"],
                ExecutorGroups = ["chunkgate:executors"],
                Masking = new MaskingRules
                {
                    Columns = [new ColumnMask { Column = "public.customers.ssn", Strategy = MaskStrategy.Last4 }],
                    Detectors = [ValueDetector.Ssn, ValueDetector.Card],
                },
            },
        };
        change?.Invoke(connection.Spec);
        return connection;
    }
}
