using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Model;
using ChunkGate.Testing.Yaml;

namespace ChunkGate.LocalCluster.Kubelet;

/// <summary>
/// The kubelet's "registry": image references mapped to local executables. File format (YAML):
/// <code>
/// images:
///   chunkgate/runner:dev:
///     entrypoint: ["/abs/path/ChunkGate.Runner"]
///     cmd: []
///     env: { DOTNET_gcServer: "0" }
///     overrideEnv: { PGHOST: "$(LOCALCLUSTER_POD_IP)" }   # over the container's env
///   busybox:
///     entrypoint: []          # run the container's own command on the host
///     cmd: ["/bin/sh"]
/// </code>
/// An image is looked up by its full reference, then without tag/digest.
/// </summary>
internal sealed class ImageMap(IReadOnlyDictionary<string, ImageMapping> images)
{
    public static ImageMap? Load(string? file, IReadOnlyDictionary<string, ImageMapping>? overrides)
    {
        if (file is null && overrides is null)
        {
            return null;
        }

        var images = new Dictionary<string, ImageMapping>(StringComparer.Ordinal);
        if (file is not null)
        {
            var document = YamlJson.ParseDocuments(File.ReadAllText(file)).FirstOrDefault() as JsonObject;
            var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
            foreach (var (image, node) in document?["images"] as JsonObject ?? [])
            {
                // Paths written ./x or ../x are relative to the map file, so a checked-in map works from any directory.
                var entrypoint = Strings(node?["entrypoint"])
                    .Select(part => part.StartsWith("./", StringComparison.Ordinal) || part.StartsWith("../", StringComparison.Ordinal) ? Path.GetFullPath(Path.Combine(baseDirectory, part)) : part)
                    .ToList();
                images[image] = new ImageMapping(entrypoint, Strings(node?["cmd"]))
                {
                    Environment = ObjectFields.StringMap(node?["env"]),
                    OverrideEnvironment = ObjectFields.StringMap(node?["overrideEnv"]),
                };
            }
        }

        foreach (var (image, mapping) in overrides ?? new Dictionary<string, ImageMapping>())
        {
            images[image] = mapping;
        }

        return new ImageMap(images);
    }

    public ImageMapping? Resolve(string image)
    {
        if (images.TryGetValue(image, out var exact))
        {
            return exact;
        }

        var at = image.IndexOf('@');
        var withoutDigest = at >= 0 ? image[..at] : image;
        var colon = withoutDigest.LastIndexOf(':');
        var repository = colon > withoutDigest.LastIndexOf('/') ? withoutDigest[..colon] : withoutDigest;
        return images.TryGetValue(withoutDigest, out var untagged) ? untagged : images.GetValueOrDefault(repository);
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(ObjectFields.ScalarText).ToList() : [];
}
