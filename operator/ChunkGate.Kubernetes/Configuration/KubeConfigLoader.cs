using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.Kubernetes.Configuration;

/// <summary>
/// Loads kubeconfig files the way kubectl does: <c>KUBECONFIG</c> is a list of files merged so that
/// the first file to set a map key (a cluster, user or context name) or <c>current-context</c> wins
/// and is never changed; missing files in the list are skipped; otherwise <c>~/.kube/config</c>.
/// The context is the override if given, else the merged <c>current-context</c>.
/// </summary>
public sealed class KubeConfigLoader(Func<string, string?> getEnvironmentVariable, TimeProvider timeProvider)
{
    public KubeConfigLoader()
        : this(Environment.GetEnvironmentVariable, TimeProvider.System)
    {
    }

    /// <summary>The files named by <c>KUBECONFIG</c>, or <c>~/.kube/config</c>.</summary>
    public IReadOnlyList<string> DefaultFiles()
    {
        var variable = getEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(variable))
        {
            return variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        }

        var home = getEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return [Path.Combine(home, ".kube", "config")];
    }

    public KubernetesClientConfiguration LoadDefault(string? contextOverride = null) => Load(DefaultFiles(), contextOverride);

    /// <summary>Merges <paramref name="files"/> in order and resolves the chosen context.</summary>
    public KubernetesClientConfiguration Load(IReadOnlyList<string> files, string? contextOverride = null)
    {
        var documents = new List<KubeConfigDocument>();
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                continue;
            }

            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new KubeConfigException($"{file}: cannot be read: {ex.Message}", ex);
            }

            documents.Add(KubeConfigParser.Parse(file, text));
        }

        if (documents.Count == 0)
        {
            throw new KubeConfigException($"no kubeconfig file found (looked for {string.Join(", ", files)})");
        }

        return Resolve(KubeConfigMerge.Merge(documents), contextOverride, string.Join(", ", documents.Select(d => d.SourceFile)));
    }

    private KubernetesClientConfiguration Resolve(MergedKubeConfig merged, string? contextOverride, string fileList)
    {
        var contextName = string.IsNullOrEmpty(contextOverride) ? merged.CurrentContext : contextOverride;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubeConfigException($"{fileList}: current-context is not set and no context was requested");
        }

        if (!merged.Contexts.TryGetValue(contextName, out var context))
        {
            var origin = string.IsNullOrEmpty(contextOverride) ? "current-context" : "the requested context";
            throw new KubeConfigException($"{fileList}: {origin} '{contextName}' is not defined under contexts");
        }

        if (string.IsNullOrEmpty(context.Cluster))
        {
            throw new KubeConfigException($"{context.SourceFile}: contexts[\"{context.Name}\"].context.cluster is required");
        }

        if (!merged.Clusters.TryGetValue(context.Cluster, out var cluster))
        {
            throw new KubeConfigException($"{context.SourceFile}: contexts[\"{context.Name}\"].context.cluster names '{context.Cluster}', which no file defines under clusters ({fileList})");
        }

        KubeConfigUser? user = null;
        if (!string.IsNullOrEmpty(context.User) && !merged.Users.TryGetValue(context.User, out user))
        {
            throw new KubeConfigException($"{context.SourceFile}: contexts[\"{context.Name}\"].context.user names '{context.User}', which no file defines under users ({fileList})");
        }

        var clusterPath = $"{cluster.SourceFile}: clusters[\"{cluster.Name}\"].cluster";
        if (string.IsNullOrEmpty(cluster.Server))
        {
            throw new KubeConfigException($"{clusterPath}.server is required");
        }

        if (!Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
        {
            throw new KubeConfigException($"{clusterPath}.server '{cluster.Server}' is not an http(s) URL");
        }

        Uri? proxy = null;
        if (!string.IsNullOrEmpty(cluster.ProxyUrl)
            && (!Uri.TryCreate(cluster.ProxyUrl, UriKind.Absolute, out proxy) || proxy.Scheme is not ("http" or "https" or "socks5")))
        {
            throw new KubeConfigException($"{clusterPath}.proxy-url '{cluster.ProxyUrl}' is not an http, https or socks5 URL");
        }

        var authorities = new X509Certificate2Collection();
        if (cluster.CertificateAuthorityData is { } caData)
        {
            ImportPem(authorities, System.Text.Encoding.UTF8.GetString(caData), $"{clusterPath}.certificate-authority-data");
        }
        else if (cluster.CertificateAuthority is { } caFile)
        {
            ImportPem(authorities, ReadReferencedFile(caFile, $"{clusterPath}.certificate-authority"), $"{clusterPath}.certificate-authority ({caFile})");
        }

        var clusterInfo = new ExecClusterInfo(cluster.Server, cluster.TlsServerName, cluster.InsecureSkipTlsVerify, authorities.Count > 0 ? cluster.CertificateAuthorityData ?? ReadBytes(cluster.CertificateAuthority) : null);
        return new KubernetesClientConfiguration
        {
            Server = server,
            ContextName = context.Name,
            Namespace = string.IsNullOrEmpty(context.Namespace) ? "default" : context.Namespace,
            CertificateAuthorities = authorities,
            InsecureSkipTlsVerify = cluster.InsecureSkipTlsVerify,
            TlsServerName = cluster.TlsServerName,
            Proxy = proxy,
            ClientCertificate = user is null ? null : LoadClientCertificate(user),
            Credentials = user is null ? null : CreateCredentials(user, clusterInfo),
        };
    }

    private ICredentialProvider? CreateCredentials(KubeConfigUser user, ExecClusterInfo clusterInfo)
    {
        var userPath = $"{user.SourceFile}: users[\"{user.Name}\"].user";
        if (user.AuthProviderName is { } provider)
        {
            throw new KubeConfigException($"{userPath}.auth-provider '{provider}' is not supported (kubectl removed auth providers); use an exec credential plugin such as kubelogin");
        }

        var methods = new List<string>();
        if (!string.IsNullOrEmpty(user.Token) || user.TokenFile is not null)
        {
            methods.Add("token");
        }

        if (!string.IsNullOrEmpty(user.Username) || !string.IsNullOrEmpty(user.Password))
        {
            methods.Add("username/password");
        }

        if (user.Exec is not null)
        {
            methods.Add("exec");
        }

        if (methods.Count > 1)
        {
            throw new KubeConfigException($"{userPath} has more than one authentication method ({string.Join(", ", methods)}); only one is allowed");
        }

        if (!string.IsNullOrEmpty(user.Token))
        {
            // As in client-go, an inline token wins over tokenFile.
            return new StaticTokenProvider(user.Token);
        }

        if (user.TokenFile is { } tokenFile)
        {
            if (!File.Exists(tokenFile))
            {
                throw new KubeConfigException($"{userPath}.tokenFile: {tokenFile} does not exist");
            }

            return new TokenFileProvider(tokenFile, timeProvider);
        }

        if (!string.IsNullOrEmpty(user.Username) || !string.IsNullOrEmpty(user.Password))
        {
            if (string.IsNullOrEmpty(user.Username))
            {
                throw new KubeConfigException($"{userPath}.username is required when password is set");
            }

            return new BasicAuthProvider(user.Username, user.Password ?? "");
        }

        return user.Exec is { } exec ? new ExecCredentialProvider(exec, clusterInfo, timeProvider) : null;
    }

    private static X509Certificate2? LoadClientCertificate(KubeConfigUser user)
    {
        var userPath = $"{user.SourceFile}: users[\"{user.Name}\"].user";
        var certificatePem = user.ClientCertificateData is { } certData
            ? System.Text.Encoding.UTF8.GetString(certData)
            : user.ClientCertificate is { } certFile ? ReadReferencedFile(certFile, $"{userPath}.client-certificate") : null;
        var keyPem = user.ClientKeyData is { } keyData
            ? System.Text.Encoding.UTF8.GetString(keyData)
            : user.ClientKey is { } keyFile ? ReadReferencedFile(keyFile, $"{userPath}.client-key") : null;
        if (certificatePem is null && keyPem is null)
        {
            return null;
        }

        if (certificatePem is null)
        {
            throw new KubeConfigException($"{userPath}: client-key is set but client-certificate(-data) is not");
        }

        if (keyPem is null)
        {
            throw new KubeConfigException($"{userPath}: client-certificate is set but client-key(-data) is not");
        }

        return ClientCertificates.FromPem(certificatePem, keyPem, userPath);
    }

    private static void ImportPem(X509Certificate2Collection into, string pem, string field)
    {
        try
        {
            into.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new KubeConfigException($"{field} is not a PEM certificate bundle: {ex.Message}", ex);
        }

        if (into.Count == 0)
        {
            throw new KubeConfigException($"{field} contains no PEM certificate");
        }
    }

    private static string ReadReferencedFile(string path, string field)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"{field}: cannot read {path}: {ex.Message}", ex);
        }
    }

    private static byte[]? ReadBytes(string? path) => path is null ? null : File.ReadAllBytes(path);
}
