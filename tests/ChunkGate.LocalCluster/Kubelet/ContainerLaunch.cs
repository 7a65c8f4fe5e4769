using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Kubelet;

/// <summary>Everything needed to start one container as a process, or why it cannot start yet.</summary>
internal sealed record ContainerLaunch(string Name, IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Environment, string WorkingDirectory, string TerminationMessageFile);

/// <summary>Why a container is not started: the waiting reason and message a real kubelet reports.</summary>
internal sealed record ContainerWaiting(string Reason, string Message);

/// <summary>
/// Resolves a container spec against the image map, Secrets, ConfigMaps and the Pod itself (pure apart
/// from the lookups passed in): argv from image entrypoint/cmd and the container's command/args,
/// env values with <c>secretKeyRef</c>/<c>configMapKeyRef</c>/<c>fieldRef</c> and <c>$(VAR)</c> expansion,
/// then the image map's overrides (the Pod's own loopback address where a real Pod would have its own network),
/// and volume mount paths rewritten to the host directories the volumes were materialised in.
/// </summary>
internal static partial class ContainerLaunchPlanner
{
    private static readonly string[] InheritedVariables = ["PATH", "DOTNET_ROOT", "LANG", "TMPDIR", "SSL_CERT_DIR", "SSL_CERT_FILE"];

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex VariableReference();

    public static (ContainerLaunch? Launch, ContainerWaiting? Waiting) Plan(
        JsonObject pod,
        JsonObject container,
        ImageMap images,
        Func<string, JsonObject?> secret,
        Func<string, JsonObject?> configMap,
        IReadOnlyDictionary<string, string> mountedVolumes,
        string podDirectory,
        string podIp)
    {
        var name = ObjectFields.StringAt(container, "name") ?? "";
        var image = ObjectFields.StringAt(container, "image") ?? "";
        var mapping = images.Resolve(image);
        if (mapping is null)
        {
            return (null, new ContainerWaiting("ErrImagePull", $"Failed to pull image \"{image}\": image is not in the local cluster's image map"));
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in InheritedVariables)
        {
            if (System.Environment.GetEnvironmentVariable(variable) is { } value)
            {
                environment[variable] = value;
            }
        }

        environment["HOME"] = podDirectory;
        environment["HOSTNAME"] = ObjectFields.Name(pod);
        environment["LOCALCLUSTER_POD_IP"] = podIp;
        foreach (var (key, value) in mapping.Environment)
        {
            environment[key] = value;
        }

        var mounts = (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(m => (MountPath: ObjectFields.StringAt(m, "mountPath") ?? "", Volume: ObjectFields.StringAt(m, "name") ?? "", SubPath: ObjectFields.StringAt(m, "subPath")))
            .Where(m => mountedVolumes.ContainsKey(m.Volume))
            .Select(m => (m.MountPath, HostPath: m.SubPath is { Length: > 0 } sub ? Path.Combine(mountedVolumes[m.Volume], sub) : mountedVolumes[m.Volume]))
            .OrderByDescending(m => m.MountPath.Length)
            .ToList();
        var terminationPath = ObjectFields.StringAt(container, "terminationMessagePath") ?? "/dev/termination-log";
        var terminationFile = Path.Combine(podDirectory, name + ".termination-log");
        // One pass over the text: a host path written by one mount (/output -> /tmp/.../claims/x) must
        // not be rewritten again by another (/tmp). Longest container path first, whole path segments only.
        var rewrites = new Dictionary<string, string>(StringComparer.Ordinal) { [terminationPath] = terminationFile };
        foreach (var (mountPath, hostPath) in mounts)
        {
            rewrites.TryAdd(mountPath, hostPath);
        }

        var containerPaths = new Regex(
            "(?:" + string.Join('|', rewrites.Keys.Where(k => k.Length > 0).OrderByDescending(k => k.Length).Select(Regex.Escape)) + ")(?![A-Za-z0-9_.-])",
            RegexOptions.CultureInvariant);
        string Rewrite(string text) => containerPaths.Replace(text, match => rewrites[match.Value]);

        foreach (var source in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var prefix = ObjectFields.StringAt(source, "prefix") ?? "";
            if (source["secretRef"] is JsonObject secretRef)
            {
                var found = secret(ObjectFields.StringAt(secretRef, "name") ?? "");
                if (found is null && secretRef["optional"]?.GetValue<bool>() != true)
                {
                    return (null, new ContainerWaiting("CreateContainerConfigError", $"secret \"{ObjectFields.StringAt(secretRef, "name")}\" not found"));
                }

                foreach (var (key, value) in ObjectFields.StringMap(found?["data"]))
                {
                    environment[prefix + key] = Encoding.UTF8.GetString(Convert.FromBase64String(value));
                }
            }

            if (source["configMapRef"] is JsonObject configMapRef)
            {
                var found = configMap(ObjectFields.StringAt(configMapRef, "name") ?? "");
                if (found is null && configMapRef["optional"]?.GetValue<bool>() != true)
                {
                    return (null, new ContainerWaiting("CreateContainerConfigError", $"configmap \"{ObjectFields.StringAt(configMapRef, "name")}\" not found"));
                }

                foreach (var (key, value) in ObjectFields.StringMap(found?["data"]))
                {
                    environment[prefix + key] = value;
                }
            }
        }

        foreach (var variable in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = ObjectFields.StringAt(variable, "name") ?? "";
            if (variable["valueFrom"] is not JsonObject from)
            {
                environment[key] = Rewrite(Expand(ObjectFields.StringAt(variable, "value") ?? "", environment));
                continue;
            }

            if (from["secretKeyRef"] is JsonObject secretKey)
            {
                var secretName = ObjectFields.StringAt(secretKey, "name") ?? "";
                var dataKey = ObjectFields.StringAt(secretKey, "key") ?? "";
                var found = secret(secretName);
                var optional = secretKey["optional"]?.GetValue<bool>() == true;
                if (found is null)
                {
                    if (optional)
                    {
                        continue;
                    }

                    return (null, new ContainerWaiting("CreateContainerConfigError", $"secret \"{secretName}\" not found"));
                }

                if (ObjectFields.StringAt(found["data"], dataKey) is not { } encoded)
                {
                    if (optional)
                    {
                        continue;
                    }

                    return (null, new ContainerWaiting("CreateContainerConfigError", $"couldn't find key {dataKey} in Secret {ObjectFields.Namespace(pod)}/{secretName}"));
                }

                environment[key] = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            else if (from["configMapKeyRef"] is JsonObject configKey)
            {
                var configName = ObjectFields.StringAt(configKey, "name") ?? "";
                var dataKey = ObjectFields.StringAt(configKey, "key") ?? "";
                var value = ObjectFields.StringAt(configMap(configName)?["data"], dataKey);
                if (value is null)
                {
                    if (configKey["optional"]?.GetValue<bool>() == true)
                    {
                        continue;
                    }

                    return (null, new ContainerWaiting("CreateContainerConfigError", $"couldn't find key {dataKey} in ConfigMap {ObjectFields.Namespace(pod)}/{configName}"));
                }

                environment[key] = value;
            }
            else if (from["fieldRef"] is JsonObject fieldRef)
            {
                environment[key] = FieldValue(pod, ObjectFields.StringAt(fieldRef, "fieldPath") ?? "");
            }
        }

        foreach (var (key, value) in mapping.OverrideEnvironment)
        {
            environment[key] = Expand(value, environment);
        }

        var command = (container["command"] as JsonArray)?.Select(ObjectFields.ScalarText).ToList();
        var args = (container["args"] as JsonArray)?.Select(ObjectFields.ScalarText).ToList();
        // Only what the Pod spec says names container paths; the image map's entrypoint and cmd are
        // host paths already (a checkout under /tmp must not become a path in the /tmp volume).
        IEnumerable<string> FromSpec(IEnumerable<string> words) => words.Select(a => Rewrite(Expand(a, environment)));
        IEnumerable<string> FromImage(IEnumerable<string> words) => words.Select(a => Expand(a, environment));
        var argv = new List<string>(command is null ? FromImage(mapping.Entrypoint) : FromSpec(command));
        argv.AddRange(args is not null ? FromSpec(args) : command is null ? FromImage(mapping.Cmd) : []);
        if (argv.Count == 0)
        {
            return (null, new ContainerWaiting("CreateContainerError", "no command specified"));
        }

        var workingDirectory = ObjectFields.StringAt(container, "workingDir") is { Length: > 0 } dir && Directory.Exists(Rewrite(dir)) ? Rewrite(dir) : podDirectory;
        return (new ContainerLaunch(name, argv, environment, workingDirectory, terminationFile), null);
    }

    private static string Expand(string text, IReadOnlyDictionary<string, string> environment) =>
        VariableReference().Replace(text, match => environment.TryGetValue(match.Groups[1].Value, out var value) ? value : match.Value);

    private static string FieldValue(JsonObject pod, string fieldPath)
    {
        if (fieldPath.StartsWith("metadata.labels['", StringComparison.Ordinal) || fieldPath.StartsWith("metadata.annotations['", StringComparison.Ordinal))
        {
            var open = fieldPath.IndexOf("['", StringComparison.Ordinal);
            var map = fieldPath[..open] == "metadata.labels" ? "labels" : "annotations";
            var key = fieldPath[(open + 2)..^2];
            return ObjectFields.StringAt(pod["metadata"]?[map], key) ?? "";
        }

        return fieldPath switch
        {
            "spec.serviceAccountName" or "spec.nodeName" or "metadata.name" or "metadata.namespace" or "metadata.uid" or "status.podIP" or "status.hostIP" =>
                ObjectFields.ScalarText(ObjectFields.At(pod, fieldPath)),
            _ => "",
        };
    }
}
