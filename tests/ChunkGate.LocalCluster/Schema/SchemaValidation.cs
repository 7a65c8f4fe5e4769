using System.Text.Json.Nodes;
using ChunkGate.Testing.Schema;

namespace ChunkGate.LocalCluster.Schema;

/// <summary>Chooses the structural-schema validator the server uses for custom resources.</summary>
internal static class SchemaValidation
{
    public static ISchemaValidator Create() => new SharedStructuralSchemaValidator();
}

/// <summary>
/// Adapts ChunkGate.Testing's <see cref="StructuralSchemaValidator"/> (shared with the CRD tests) to the
/// server's 422 causes. Unknown fields are not reported here: the server prunes them before
/// validating, or rejects them earlier under <c>fieldValidation=Strict</c>.
/// </summary>
internal sealed class SharedStructuralSchemaValidator : ISchemaValidator
{
    public IReadOnlyList<SchemaProblem> Validate(JsonNode schema, JsonNode? value) =>
        StructuralSchemaValidator.Validate(schema, value)
            .Where(v => v.Kind != SchemaViolationKind.UnknownField)
            .Select(v => new SchemaProblem(v.Path, Reason(v.Kind), WithoutPath(v)))
            .ToList();

    private static string Reason(SchemaViolationKind kind) => kind switch
    {
        SchemaViolationKind.Required => "FieldValueRequired",
        SchemaViolationKind.TypeInvalid => "FieldValueTypeInvalid",
        SchemaViolationKind.NotSupported => "FieldValueNotSupported",
        SchemaViolationKind.TooLong => "FieldValueTooLong",
        SchemaViolationKind.TooMany => "FieldValueTooMany",
        SchemaViolationKind.Duplicate => "FieldValueDuplicate",
        _ => "FieldValueInvalid",
    };

    /// <summary>The shared validator's messages start with the field path; a 422 cause keeps it in <c>field</c> instead.</summary>
    private static string WithoutPath(SchemaViolation violation) =>
        violation.Path.Length > 0 && violation.Message.StartsWith(violation.Path + ": ", StringComparison.Ordinal)
            ? violation.Message[(violation.Path.Length + 2)..]
            : violation.Message;
}
