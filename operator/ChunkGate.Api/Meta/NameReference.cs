using System.ComponentModel;
using ChunkGate.Api.Schema;

namespace ChunkGate.Api.Meta;

/// <summary>A reference to another object by name in the same namespace.</summary>
public sealed class NameReference
{
    [Required, Description("Name of the object in the same namespace."), Length(1, 253)]
    public string Name { get; set; } = "";
}
