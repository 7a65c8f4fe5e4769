using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ChunkGate.Kubernetes.Configuration;

/// <summary>
/// Reads one kubeconfig file into entries. Walks the YAML tree by hand so that every error can name
/// the file, the field path and the line; relative paths are resolved against the file's directory,
/// as kubectl does.
/// </summary>
internal static class KubeConfigParser
{
    public static KubeConfigDocument Parse(string sourceFile, string text)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(sourceFile)) ?? "/";
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new KubeConfigException($"{sourceFile}: line {ex.Start.Line}: not valid YAML: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new KubeConfigDocument(sourceFile, [], [], [], null);
        }

        var file = new FileFields(sourceFile, directory);
        var root = file.Mapping(stream.Documents[0].RootNode, "(document)");
        var clusters = file.NamedEntries(root, "clusters", "cluster", ReadCluster);
        var users = file.NamedEntries(root, "users", "user", ReadUser);
        var contexts = file.NamedEntries(root, "contexts", "context", ReadContext);
        var currentContext = file.String(root, "current-context", "");
        return new KubeConfigDocument(sourceFile, clusters, users, contexts, string.IsNullOrEmpty(currentContext) ? null : currentContext);
    }

    private static KubeConfigCluster ReadCluster(FileFields file, string name, YamlMappingNode body, string path) => new(
        name,
        file.SourceFile,
        file.String(body, "server", path),
        file.FilePath(body, "certificate-authority", path),
        file.Base64(body, "certificate-authority-data", path),
        file.Bool(body, "insecure-skip-tls-verify", path) ?? false,
        file.String(body, "tls-server-name", path),
        file.String(body, "proxy-url", path));

    private static KubeConfigContext ReadContext(FileFields file, string name, YamlMappingNode body, string path) => new(
        name,
        file.SourceFile,
        file.String(body, "cluster", path),
        file.String(body, "user", path),
        file.String(body, "namespace", path));

    private static KubeConfigUser ReadUser(FileFields file, string name, YamlMappingNode body, string path)
    {
        string? authProvider = null;
        if (file.Child(body, "auth-provider") is { } providerNode)
        {
            authProvider = file.String(file.Mapping(providerNode, path + ".auth-provider"), "name", path + ".auth-provider") ?? "(unnamed)";
        }

        var exec = file.Child(body, "exec") is { } execNode ? ReadExec(file, name, file.Mapping(execNode, path + ".exec"), path + ".exec") : null;
        return new KubeConfigUser(
            name,
            file.SourceFile,
            file.String(body, "token", path),
            file.FilePath(body, "tokenFile", path),
            file.FilePath(body, "client-certificate", path),
            file.Base64(body, "client-certificate-data", path),
            file.FilePath(body, "client-key", path),
            file.Base64(body, "client-key-data", path),
            file.String(body, "username", path),
            file.String(body, "password", path),
            exec,
            authProvider);
    }

    private static ExecPluginConfig ReadExec(FileFields file, string userName, YamlMappingNode body, string path)
    {
        var apiVersion = file.String(body, "apiVersion", path)
            ?? throw file.Error(body, path + ".apiVersion", "is required (e.g. client.authentication.k8s.io/v1)");
        if (apiVersion is not (ExecCredentialDocument.V1 or ExecCredentialDocument.V1Beta1))
        {
            throw file.Error(body, path + ".apiVersion", $"'{apiVersion}' is not supported; use {ExecCredentialDocument.V1} or {ExecCredentialDocument.V1Beta1}");
        }

        var command = file.String(body, "command", path);
        if (string.IsNullOrEmpty(command))
        {
            throw file.Error(body, path + ".command", "is required");
        }

        // kubectl resolves a relative command only when it names a path, not a program on PATH.
        if (command.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(command))
        {
            command = Path.GetFullPath(Path.Combine(file.Directory, command));
        }

        var interactiveMode = file.String(body, "interactiveMode", path);
        if (interactiveMode is null && apiVersion == ExecCredentialDocument.V1)
        {
            throw file.Error(body, path + ".interactiveMode", "is required for client.authentication.k8s.io/v1 (Never, IfAvailable or Always)");
        }

        interactiveMode ??= "IfAvailable";
        if (interactiveMode is not ("Never" or "IfAvailable" or "Always"))
        {
            throw file.Error(body, path + ".interactiveMode", $"'{interactiveMode}' is not one of Never, IfAvailable, Always");
        }

        var env = new List<KeyValuePair<string, string>>();
        if (file.Child(body, "env") is { } envNode and not YamlScalarNode { Value: null or "" })
        {
            var index = 0;
            foreach (var item in file.Sequence(envNode, path + ".env"))
            {
                var itemPath = $"{path}.env[{index++}]";
                var entry = file.Mapping(item, itemPath);
                var envName = file.String(entry, "name", itemPath) ?? throw file.Error(entry, itemPath + ".name", "is required");
                env.Add(new(envName, file.String(entry, "value", itemPath) ?? ""));
            }
        }

        return new ExecPluginConfig(
            apiVersion,
            command,
            file.StringList(body, "args", path),
            env,
            file.Bool(body, "provideClusterInfo", path) ?? false,
            interactiveMode,
            file.String(body, "installHint", path),
            file.SourceFile,
            userName);
    }

    /// <summary>Typed field access on one file's YAML, with errors that say where.</summary>
    private sealed class FileFields(string sourceFile, string directory)
    {
        public string SourceFile { get; } = sourceFile;

        public string Directory { get; } = directory;

        public KubeConfigException Error(YamlNode node, string path, string problem) =>
            new($"{SourceFile}: line {node.Start.Line}: {path} {problem}");

        public YamlNode? Child(YamlMappingNode mapping, string key) =>
            mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

        public YamlMappingNode Mapping(YamlNode node, string path) =>
            node as YamlMappingNode ?? throw Error(node, path, "must be a mapping");

        public YamlSequenceNode Sequence(YamlNode node, string path) =>
            node as YamlSequenceNode ?? throw Error(node, path, "must be a list");

        public string? String(YamlMappingNode mapping, string key, string path)
        {
            var node = Child(mapping, key);
            return node switch
            {
                null => null,
                YamlScalarNode scalar => scalar.Value,
                _ => throw Error(node, Join(path, key), "must be a string"),
            };
        }

        public bool? Bool(YamlMappingNode mapping, string key, string path)
        {
            var text = String(mapping, key, path);
            return text switch
            {
                null or "" => null,
                "true" or "True" or "TRUE" => true,
                "false" or "False" or "FALSE" => false,
                _ => throw Error(Child(mapping, key)!, Join(path, key), $"must be true or false, not '{text}'"),
            };
        }

        public byte[]? Base64(YamlMappingNode mapping, string key, string path)
        {
            var text = String(mapping, key, path);
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                // The value may be key material: name the field, never echo the value.
                throw Error(Child(mapping, key)!, Join(path, key), "is not valid base64");
            }
        }

        public string? FilePath(YamlMappingNode mapping, string key, string path)
        {
            var text = String(mapping, key, path);
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            if (text.StartsWith("~/", StringComparison.Ordinal))
            {
                text = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), text[2..]);
            }

            return Path.GetFullPath(Path.Combine(Directory, text));
        }

        public IReadOnlyList<string> StringList(YamlMappingNode mapping, string key, string path)
        {
            var node = Child(mapping, key);
            if (node is null or YamlScalarNode { Value: null or "" })
            {
                return [];
            }

            var result = new List<string>();
            foreach (var item in Sequence(node, Join(path, key)))
            {
                result.Add(item is YamlScalarNode { Value: { } value } ? value : throw Error(item, Join(path, key), "must be a list of strings"));
            }

            return result;
        }

        public IReadOnlyList<T> NamedEntries<T>(YamlMappingNode root, string section, string bodyKey, Func<FileFields, string, YamlMappingNode, string, T> read)
        {
            var node = Child(root, section);
            if (node is null or YamlScalarNode { Value: null or "" })
            {
                return [];
            }

            var result = new List<T>();
            var index = 0;
            foreach (var item in Sequence(node, section))
            {
                var itemPath = $"{section}[{index++}]";
                var entry = Mapping(item, itemPath);
                var name = String(entry, "name", itemPath);
                if (string.IsNullOrEmpty(name))
                {
                    throw Error(entry, itemPath + ".name", "is required");
                }

                var bodyPath = $"{section}[\"{name}\"].{bodyKey}";
                var body = Child(entry, bodyKey) switch
                {
                    null or YamlScalarNode { Value: null or "" } => new YamlMappingNode(),
                    var bodyNode => Mapping(bodyNode, bodyPath),
                };
                result.Add(read(this, name, body, bodyPath));
            }

            return result;
        }

        private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;
    }
}
