namespace ChunkGate.Api.Validation;

/// <summary>One problem with one field, printed the way Kubernetes prints them: <c>spec.ttl: must be at most maxTTL 15m</c>.</summary>
public sealed record FieldError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
