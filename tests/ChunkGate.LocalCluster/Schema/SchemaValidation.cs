namespace ChunkGate.LocalCluster.Schema;

/// <summary>Chooses the structural-schema validator the server uses for custom resources.</summary>
internal static class SchemaValidation
{
    public static ISchemaValidator Create() => new BasicSchemaValidator();
}
