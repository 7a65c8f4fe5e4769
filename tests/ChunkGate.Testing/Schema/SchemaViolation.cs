namespace ChunkGate.Testing.Schema;

public enum SchemaViolationKind
{
    Required,
    TypeInvalid,
    NotSupported,
    Invalid,
    TooLong,
    TooMany,
    Duplicate,
    /// <summary>A field the schema does not declare: pruned normally, an error under <c>fieldValidation=Strict</c>.</summary>
    UnknownField,
}

/// <summary>One structural-schema violation, with the message the Kubernetes API server prints for it.</summary>
public sealed record SchemaViolation(string Path, SchemaViolationKind Kind, string Message)
{
    public override string ToString() => Message;
}
