using System.Net;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Admission;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Http;
using ChunkGate.LocalCluster.Kubelet;
using ChunkGate.LocalCluster.Model;
using ChunkGate.LocalCluster.Schema;
using ChunkGate.LocalCluster.Security;
using ChunkGate.LocalCluster.Semantics;
using ChunkGate.LocalCluster.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using ChunkGate.Testing.Yaml;

namespace ChunkGate.LocalCluster.Hosting;

/// <summary>
/// A running local cluster, for tests and <c>make cluster</c>:
/// <code>
/// await using var cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions { Manifests = ["crds"] });
/// // kubectl --kubeconfig cluster.KubeconfigPath --context alice get chunkjobs
/// </code>
/// Test-only: never shipped. Everything lives in memory and in <see cref="Directory"/>.
/// </summary>
internal sealed class LocalClusterHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> controllers = [];
    private readonly bool ownsDirectory;
    private readonly WebhookDispatcher webhooks;
    private readonly CertificateAuthority authority;

    private LocalClusterHost(WebApplication app, ResourceService resources, WebhookDispatcher webhooks, CertificateAuthority authority,
        IReadOnlyList<ClusterUser> users, string directory, bool ownsDirectory)
    {
        this.app = app;
        this.webhooks = webhooks;
        this.authority = authority;
        this.ownsDirectory = ownsDirectory;
        Resources = resources;
        Users = users;
        Directory = directory;
        CaCertificatePem = authority.CertificatePem;
        Tokens = users.ToDictionary(u => u.ContextName, u => u.Token, StringComparer.Ordinal);
    }

    /// <summary>https://127.0.0.1:port</summary>
    public Uri BaseUrl { get; private set; } = new("https://127.0.0.1/");

    /// <summary>The kubeconfig: one context per user (admin, alice, bob, carol, argocd), current context admin.</summary>
    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    public string Directory { get; }

    /// <summary>PEM of the cluster CA that signed the serving certificate.</summary>
    public string CaCertificatePem { get; }

    /// <summary>Bearer token per context name (admin, alice, bob, carol, argocd).</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; }

    public IReadOnlyList<ClusterUser> Users { get; }

    /// <summary>The process kubelet, when an image map was given.</summary>
    public ProcessKubelet? Kubelet { get; private set; }

    /// <summary>Direct access to the API semantics (bypassing HTTP), for seeding tests.</summary>
    internal ResourceService Resources { get; }

    public long CurrentResourceVersion => Resources.Store.CurrentRevision;

    /// <summary>Drops the watch history: watches resumed from any resourceVersion before now get 410 Gone.</summary>
    public void CompactWatchCache() => Resources.Store.Compact();

    public static async Task<LocalClusterHost> StartAsync(LocalClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalClusterOptions();
        var clock = options.Clock;
        var ownsDirectory = options.Directory is null;
        var directory = Path.GetFullPath(options.Directory ?? Path.Combine(Path.GetTempPath(), "chunkgate-cluster-" + Guid.NewGuid().ToString("N")[..12]));
        System.IO.Directory.CreateDirectory(directory);

        var authority = CertificateAuthority.Create(clock);
        var serving = authority.IssueServerCertificate(clock);
        var users = KnownUsers.Create();
        var store = new ObjectStore(options.WatchHistoryCapacity);
        var catalog = new ResourceCatalog(BuiltInResources.All);
        var webhooks = new WebhookDispatcher(store);
        var resources = new ResourceService(store, catalog, webhooks, SchemaValidation.Create(), clock);
        var tables = new TableConverter(clock);
        var handler = new ApiHandler(resources, new TokenAuthenticator(users), tables, new WatchStreamer(store, tables, clock, options.BookmarkInterval))
        {
            AccessLog = options.Verbose ? TextWriter.Synchronized(Console.Error) : null,
        };

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "ChunkGate.LocalCluster", ContentRootPath = directory });
        builder.Logging.ClearProviders();
        if (options.Verbose)
        {
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 8 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(serving);
            });
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);

        var host = new LocalClusterHost(app, resources, webhooks, authority, users, directory, ownsDirectory);
        await Bootstrap(resources, cancellationToken);
        await app.StartAsync(cancellationToken);
        var address = app.Urls.First();
        var port = new Uri(address).Port;
        host.BaseUrl = new Uri($"https://127.0.0.1:{port}/");
        handler.ServerAddress = $"127.0.0.1:{port}";

        await File.WriteAllTextAsync(Path.Combine(directory, "ca.crt"), authority.CertificatePem, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "tokens.csv"), TokenAuthenticator.TokenFile(users), cancellationToken);
        var kubeconfig = KubeconfigWriter.Render(host.BaseUrl, authority.CertificatePem, users);
        await File.WriteAllTextAsync(host.KubeconfigPath, kubeconfig, cancellationToken);
        RestrictToOwner(Path.Combine(directory, "tokens.csv"));
        RestrictToOwner(host.KubeconfigPath);

        host.controllers.Add(Task.Run(() => new GarbageCollector(resources).RunAsync(host.stopping.Token), CancellationToken.None));
        var images = ImageMap.Load(options.ImageMapFile, options.Images);
        if (images is not null)
        {
            host.Kubelet = new ProcessKubelet(resources, images, Path.Combine(directory, "pods"), clock, options.Verbose ? Console.Error : TextWriter.Null);
            handler.Logs = host.Kubelet;
            host.controllers.Add(Task.Run(() => host.Kubelet.RunAsync(host.stopping.Token), CancellationToken.None));
        }

        foreach (var manifest in options.Manifests)
        {
            await host.ApplyManifestsAsync(manifest, cancellationToken);
        }

        return host;
    }

    /// <summary>Creates (or replaces) every object in a YAML file or directory of files, CRDs first, as the admin.</summary>
    public async Task ApplyManifestsAsync(string path, CancellationToken cancellationToken = default)
    {
        var files = System.IO.Directory.Exists(path)
            ? System.IO.Directory.GetFiles(path, "*.y*ml").Order(StringComparer.Ordinal).ToList()
            : [path];
        var objects = new List<JsonObject>();
        foreach (var file in files)
        {
            objects.AddRange(YamlJson.ParseDocuments(await File.ReadAllTextAsync(file, cancellationToken)).OfType<JsonObject>());
        }

        var options = RequestOptions.System("local-cluster-bootstrap") with { User = Users[0].Identity };
        foreach (var obj in objects.OrderBy(o => ObjectFields.StringAt(o, "kind") == "CustomResourceDefinition" ? 0 : 1))
        {
            var type = Resources.Catalog.FindByKind(ObjectFields.StringAt(obj, "apiVersion") ?? "", ObjectFields.StringAt(obj, "kind") ?? "")
                       ?? throw new InvalidOperationException($"no resource serves {ObjectFields.StringAt(obj, "apiVersion")}/{ObjectFields.StringAt(obj, "kind")}");
            var ns = type.Namespaced ? (ObjectFields.Namespace(obj) is { Length: > 0 } given ? given : "default") : "";
            if (Resources.Store.Get(type, ns, ObjectFields.Name(obj)) is { } existing)
            {
                ObjectFields.Metadata(obj)["resourceVersion"] = ObjectFields.Metadata(existing)["resourceVersion"]!.DeepClone();
                await Resources.UpdateAsync(type, ns, ObjectFields.Name(obj), "", obj, options, cancellationToken);
            }
            else
            {
                await Resources.CreateAsync(type, ns, obj, options, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (Kubelet is not null)
        {
            await Kubelet.StopAllAsync();
        }

        foreach (var controller in controllers)
        {
            try
            {
                await controller;
            }
            catch (OperationCanceledException)
            {
            }
        }

        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await app.StopAsync(grace.Token);
        }

        await app.DisposeAsync();
        webhooks.Dispose();
        authority.Dispose();
        stopping.Dispose();
        if (ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A process that outlived its Pod may still hold a file; the temp directory is harmless.
            }
        }
    }

    private static async Task Bootstrap(ResourceService resources, CancellationToken cancellationToken)
    {
        var options = RequestOptions.System("local-cluster-bootstrap");
        foreach (var name in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            await resources.CreateAsync(BuiltInResources.Namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, options, cancellationToken);
        }
    }

    private static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
