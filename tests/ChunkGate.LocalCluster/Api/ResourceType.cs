using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Api;

/// <summary>One additionalPrinterColumn of a CRD version (or a built-in kind's column).</summary>
internal sealed record PrinterColumn(string Name, string Type, string? Format, string JsonPath, string Description, int Priority);

/// <summary>Everything the server needs to know about one served resource at one version.</summary>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Kind,
    string Plural,
    string Singular,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    bool HasStatusSubresource,
    IReadOnlyList<PrinterColumn> PrinterColumns,
    JsonNode? Schema,
    bool IsCustom,
    bool TracksGeneration,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ExtraSubresources)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The resource as kubectl names it in messages: <c>pods</c>, <c>chunkjobs.chunkgate.io</c>.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Set when the objects live in another resource's storage, in that resource's shape.</summary>
    public StoredAs? StoredAs { get; init; }

    /// <summary>All versions of one group/resource share storage (no conversion: only apiVersion changes).</summary>
    public string StorageKey => StoredAs?.StorageKey ?? $"{Group}/{Plural}";

    /// <summary>A stored object in this resource's shape (a copy when the shapes differ).</summary>
    public JsonObject Served(JsonObject stored) => StoredAs?.FromStorage(stored) ?? stored;

    /// <summary>A served object in the storage's shape (a copy when the shapes differ).</summary>
    public JsonObject Stored(JsonObject served) => StoredAs?.ToStorage(served) ?? served;

    public string ListKind => Kind + "List";

    public static readonly IReadOnlyList<string> AllVerbs =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}
