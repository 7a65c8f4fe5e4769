namespace ChunkGate.LocalCluster.Http;

/// <summary>A parsed resource URL: /api/v1/namespaces/{ns}/{plural}/{name}/{subresource} or /apis/{group}/{version}/...</summary>
internal sealed record ApiPath(string Group, string Version, string Namespace, string Plural, string Name, string Subresource, bool LegacyWatch)
{
    public static ApiPath? Parse(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        string group;
        string version;
        string[] rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], segments[2..]);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            return null;
        }

        var legacyWatch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            legacyWatch = true;
            rest = rest[1..];
        }

        var ns = "";
        var namespaceSubresource = group.Length == 0 && rest.Length == 3 && rest[0] == "namespaces" && rest[2] is "status" or "finalize";
        if (rest.Length >= 3 && rest[0] == "namespaces" && !namespaceSubresource)
        {
            ns = rest[1];
            rest = rest[2..];
        }

        if (rest.Length is 0 or > 3)
        {
            return null;
        }

        return new ApiPath(group, version, ns, rest[0], rest.Length > 1 ? rest[1] : "", rest.Length > 2 ? rest[2] : "", legacyWatch);
    }
}
