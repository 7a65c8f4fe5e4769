namespace ChunkGate.Kubernetes.Resources;

/// <summary>Where a kind lives in the REST API: group, version, plural, and whether it is namespaced.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public static ResourceType Pods { get; } = new("", "v1", "pods", "Pod", true);

    public static ResourceType Secrets { get; } = new("", "v1", "secrets", "Secret", true);

    public static ResourceType Events { get; } = new("", "v1", "events", "Event", true);

    public static ResourceType Namespaces { get; } = new("", "v1", "namespaces", "Namespace", false);

    public static ResourceType ConfigMaps { get; } = new("", "v1", "configmaps", "ConfigMap", true);

    public static ResourceType Leases { get; } = new("coordination.k8s.io", "v1", "leases", "Lease", true);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary><c>/api/v1[/namespaces/ns]/plural</c> or <c>/apis/group/version[/namespaces/ns]/plural</c>.</summary>
    public string CollectionPath(string? namespaceName)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        if (!Namespaced || string.IsNullOrEmpty(namespaceName))
        {
            return $"{root}/{Plural}";
        }

        return $"{root}/namespaces/{Uri.EscapeDataString(namespaceName)}/{Plural}";
    }

    public string ObjectPath(string? namespaceName, string name, string? subresource = null)
    {
        if (Namespaced && string.IsNullOrEmpty(namespaceName))
        {
            throw new ArgumentException($"{Plural} is namespaced: a namespace is required to address '{name}'", nameof(namespaceName));
        }

        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"a {Kind} name is required", nameof(name));
        }

        var path = $"{CollectionPath(namespaceName)}/{Uri.EscapeDataString(name)}";
        return subresource is null ? path : $"{path}/{subresource}";
    }
}
