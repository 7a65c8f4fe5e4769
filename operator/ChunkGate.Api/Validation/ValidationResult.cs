namespace ChunkGate.Api.Validation;

/// <summary>Every error and warning found, not just the first, so a user fixes a manifest in one round.</summary>
public sealed class ValidationResult
{
    private readonly List<FieldError> errors = [];
    private readonly List<FieldError> warnings = [];

    public IReadOnlyList<FieldError> Errors => errors;
    public IReadOnlyList<FieldError> Warnings => warnings;
    public bool IsValid => errors.Count == 0;

    internal void Error(string path, string message) => errors.Add(new FieldError(path, message));

    internal void Warning(string path, string message) => warnings.Add(new FieldError(path, message));

    internal void Merge(ValidationResult other)
    {
        errors.AddRange(other.errors);
        warnings.AddRange(other.warnings);
    }

    /// <summary>The errors as one line a person reads: <c>path: message; path: message</c>.</summary>
    public string ErrorSummary => string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}"));

    public override string ToString() => string.Join("; ", errors);
}
