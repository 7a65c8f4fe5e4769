namespace ChunkGate.Runner.Output;

/// <summary>A column of a chunk's result as the server described it (values arrive in PostgreSQL's text format).</summary>
internal readonly record struct ResultColumn(string Name, uint TypeOid);
