namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// What <see cref="CatalogResolver"/> found. <see cref="Warnings"/> name rules that matched nothing
/// (a table or column that does not exist in this database); the proxy logs them and goes on,
/// because the detectors and the database layer still apply.
/// </summary>
internal sealed record CatalogResolution(MaskedColumnSet Columns, IReadOnlyList<string> Warnings);
