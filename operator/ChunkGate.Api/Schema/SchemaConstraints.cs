namespace ChunkGate.Api.Schema;

// OpenAPI v3 constraints written into the generated CRD schema. The C# validators enforce the
// same rules (and more that a schema cannot express), so clients get the error either way.

/// <summary>The field must be present (and, for strings, non-empty per the validators).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string regex) : Attribute
{
    public string Regex { get; } = regex;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(long minimum, long maximum) : Attribute
{
    public long Minimum { get; } = minimum;
    public long Maximum { get; } = maximum;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class LengthAttribute(int minimum, int maximum) : Attribute
{
    public int Minimum { get; } = minimum;
    public int Maximum { get; } = maximum;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute(int minimum, int maximum) : Attribute
{
    public int Minimum { get; } = minimum;
    public int Maximum { get; } = maximum;
    /// <summary>Marks the list <c>x-kubernetes-list-type: set</c> (unique scalar items).</summary>
    public bool Unique { get; init; }
}

/// <summary>Default applied by the API server when the field is absent.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}

/// <summary>
/// A list of objects merged by key (<c>x-kubernetes-list-type: map</c>), as Kubernetes does
/// for conditions.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeyAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}

/// <summary>A pattern every item of a string list must match.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemPatternAttribute(string regex) : Attribute
{
    public string Regex { get; } = regex;
}
