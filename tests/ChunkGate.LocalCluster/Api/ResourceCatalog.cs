namespace ChunkGate.LocalCluster.Api;

/// <summary>
/// The resources the server serves right now: the built-in kinds plus every version of every
/// established CRD. Discovery, routing and printing all read from here.
/// </summary>
internal sealed class ResourceCatalog
{
    private readonly Lock gate = new();
    private List<ResourceType> types = [];

    public ResourceCatalog(IEnumerable<ResourceType> builtIns) => types = [.. builtIns];

    public IReadOnlyList<ResourceType> All
    {
        get
        {
            lock (gate)
            {
                return types;
            }
        }
    }

    public ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    public ResourceType? FindByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);

    public ResourceType? FindAnyVersion(string group, string plural) =>
        All.FirstOrDefault(t => t.Group == group && t.Plural == plural);

    public IEnumerable<string> GroupsInOrder() => All.Select(t => t.Group).Where(g => g.Length > 0).Distinct();

    /// <summary>Replaces every version of one group/resource (CRD created, changed or removed).</summary>
    public void ReplaceCustom(string group, string plural, IReadOnlyList<ResourceType> versions)
    {
        lock (gate)
        {
            var next = types.Where(t => !(t.IsCustom && t.Group == group && t.Plural == plural)).ToList();
            next.AddRange(versions);
            types = next;
        }
    }
}
