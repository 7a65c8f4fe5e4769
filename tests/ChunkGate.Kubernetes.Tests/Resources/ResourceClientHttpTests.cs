using System.Text.Json.Nodes;
using ChunkGate.Kubernetes.Configuration;
using ChunkGate.Kubernetes.Http;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Resources;
using ChunkGate.Kubernetes.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ChunkGate.Kubernetes.Tests.Resources;

/// <summary>What the client puts on the wire and how it reads answers, over a real loopback socket.</summary>
public sealed class ResourceClientHttpTests
{
    private const string PodJson = """{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":"team-a","uid":"0f0e","resourceVersion":"42","labels":{"app":"web"},"managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{}}}]},"spec":{"activeDeadlineSeconds":900,"containers":[{"name":"runner","image":"chunkgate/runner:1","env":[{"name":"PGPASSWORD","valueFrom":{"secretKeyRef":{"name":"creds","key":"password"}}}],"terminationMessagePolicy":"FallbackToLogsOnError"}]},"status":{"phase":"Failed","containerStatuses":[{"name":"runner","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":1,"reason":"Error","message":"chunk 7 failed"}}}]}}""";

    private static readonly ResourceType ChunkJobs = new("chunkgate.io", "v1alpha1", "chunkjobs", "ChunkJob", true);

    private CannedApiServer server = null!;
    private KubernetesClient client = null!;
    private FakeTimeProvider clock = null!;

    [SetUp]
    public async Task SetUp()
    {
        server = await CannedApiServer.StartAsync();
        clock = new FakeTimeProvider();
        client = new KubernetesClient(server.Configuration(new StaticTokenProvider("sa-token")), timeProvider: clock);
    }

    [TearDown]
    public async Task TearDown()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    [Test]
    public async Task Get_ReadsTheTypedPod_WithTheBearerToken()
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, PodJson);

        var pod = await client.Resource<Pod>(ResourceType.Pods).GetAsync("team-a", "web");

        var request = server.Requests.Single();
        request.Path.Should().Be("/api/v1/namespaces/team-a/pods/web");
        request.Authorization.Should().Be("Bearer sa-token");
        pod.Spec.ActiveDeadlineSeconds.Should().Be(900);
        pod.Spec.Containers[0].Env![0].ValueFrom!.SecretKeyRef!.Key.Should().Be("password");
        pod.Status!.ContainerStatuses![0].State!.Terminated!.Message.Should().Be("chunk 7 failed");
        pod.Metadata.ManagedFields.Should().ContainSingle("managed fields are carried opaquely");
        KubernetesJson.Serialize(pod).Should().Contain("\"fieldsV1\":{\"f:metadata\":{}}");
    }

    [Test]
    public async Task TryGet_ReturnsNullOnNotFound_AndGetThrowsWithTheServerMessage()
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 404, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"chunkjobs.chunkgate.io \"x\" not found","reason":"NotFound","details":{"name":"x","group":"chunkgate.io","kind":"chunkjobs"},"code":404}""");
        var jobs = client.Resource<GenericObject>(ChunkJobs);

        (await jobs.TryGetAsync("team-a", "x")).Should().BeNull();
        var act = () => jobs.GetAsync("team-a", "x");
        (await act.Should().ThrowAsync<NotFoundException>()).Which.Message.Should().Contain("chunkjobs.chunkgate.io \"x\" not found");
        server.Requests.First().Path.Should().Be("/apis/chunkgate.io/v1alpha1/namespaces/team-a/chunkjobs/x");
    }

    [Test]
    public async Task GenericObject_RoundTripsFieldsItDoesNotKnow()
    {
        server.Handler = (context, recorded) => CannedApiServer.WriteJsonAsync(context, 201, recorded.Body);
        var job = new GenericObject { Metadata = new ObjectMeta { Name = "nightly", Namespace = "team-a" } };
        job.Fields["spec"] = System.Text.Json.JsonDocument.Parse("""{"action":"export","tables":["public.users"]}""").RootElement;

        var created = await client.Resource<GenericObject>(ChunkJobs).CreateAsync(job, fieldManager: "chunkgate");

        var sent = JsonNode.Parse(server.Requests.Single().Body)!;
        sent["apiVersion"]!.GetValue<string>().Should().Be("chunkgate.io/v1alpha1");
        sent["kind"]!.GetValue<string>().Should().Be("ChunkJob");
        sent["spec"]!["tables"]![0]!.GetValue<string>().Should().Be("public.users");
        server.Requests.Single().Query["fieldManager"].Should().Be("chunkgate");
        created.Fields["spec"].GetProperty("action").GetString().Should().Be("export");
    }

    [Test]
    public async Task ListAll_FollowsContinueTokens_WithoutResendingResourceVersion()
    {
        server.Handler = (context, recorded) => recorded.Query.TryGetValue("continue", out var token)
            ? CannedApiServer.WriteJsonAsync(context, 200, token == "page2"
                ? """{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"100","continue":"page3","remainingItemCount":1},"items":[{"metadata":{"name":"b","namespace":"n","resourceVersion":"8"}}]}"""
                : """{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"100"},"items":[{"metadata":{"name":"c","namespace":"n","resourceVersion":"9"}}]}""")
            : CannedApiServer.WriteJsonAsync(context, 200, """{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"100","continue":"page2","remainingItemCount":2},"items":[{"metadata":{"name":"a","namespace":"n","resourceVersion":"7"}}]}""");

        var list = await client.Resource<Pod>(ResourceType.Pods).ListAllAsync("n", new ListOptions { Limit = 1, LabelSelector = "app=web,tier!=db", ResourceVersion = "0", ResourceVersionMatch = "NotOlderThan" });

        list.Items.Select(p => p.Metadata.Name).Should().Equal("a", "b", "c");
        list.Metadata.ResourceVersion.Should().Be("100");
        list.Metadata.Continue.Should().BeNull();
        var requests = server.Requests.ToList();
        requests.Should().HaveCount(3);
        requests[0].Query.Should().Contain(new Dictionary<string, string> { ["limit"] = "1", ["labelSelector"] = "app=web,tier!=db", ["resourceVersion"] = "0", ["resourceVersionMatch"] = "NotOlderThan" });
        requests[1].Query.Should().Contain("continue", "page2").And.NotContainKey("resourceVersion").And.NotContainKey("resourceVersionMatch");
        requests[2].Query["continue"].Should().Be("page3");
    }

    [Test]
    public async Task Replace_SendsTheResourceVersion_AndAConflictIsTyped()
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 409, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on pods \"web\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"web","kind":"pods"},"code":409}""");
        var pod = KubernetesJson.Deserialize<Pod>(PodJson)!;

        var act = () => client.Resource<Pod>(ResourceType.Pods).ReplaceAsync(pod);

        await act.Should().ThrowAsync<ConflictException>();
        var request = server.Requests.Single();
        request.Method.Should().Be("PUT");
        JsonNode.Parse(request.Body)!["metadata"]!["resourceVersion"]!.GetValue<string>().Should().Be("42");
        server.Requests.Should().HaveCount(1, "a conflict is never retried blindly");
    }

    [TestCase(PatchType.Merge, "application/merge-patch+json")]
    [TestCase(PatchType.Json, "application/json-patch+json")]
    [TestCase(PatchType.StrategicMerge, "application/strategic-merge-patch+json")]
    public async Task Patch_UsesTheContentTypeOfItsKind(PatchType type, string contentType)
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, PodJson);

        await client.Resource<Pod>(ResourceType.Pods).PatchAsync("team-a", "web", type, new { metadata = new { labels = new { tier = "batch" } } });

        server.Requests.Single().ContentType.Should().Be(contentType);
        server.Requests.Single().Method.Should().Be("PATCH");
    }

    [Test]
    public async Task Apply_SendsApplyPatchWithFieldManagerAndForce_ToTheStatusSubresourceWhenAsked()
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, PodJson);
        var pod = new Pod { Metadata = new ObjectMeta { Name = "web", Namespace = "team-a" } };

        await client.Resource<Pod>(ResourceType.Pods).ApplyAsync(pod, "chunkgate-operator", force: true, subresource: "status");

        var request = server.Requests.Single();
        request.ContentType.Should().Be("application/apply-patch+yaml");
        request.Path.Should().Be("/api/v1/namespaces/team-a/pods/web/status");
        request.Query.Should().Contain("fieldManager", "chunkgate-operator").And.Contain("force", "true");
        JsonNode.Parse(request.Body)!["kind"]!.GetValue<string>().Should().Be("Pod");
    }

    [Test]
    public void Apply_WithoutFieldManager_IsRefusedBeforeSending()
    {
        var act = () => client.Resource<Pod>(ResourceType.Pods).PatchAsync("n", "p", PatchType.Apply, new { });

        act.Should().ThrowAsync<ArgumentException>().Wait();
        server.Requests.Should().BeEmpty();
    }

    [Test]
    public async Task ReplaceStatus_PutsToTheStatusSubresource()
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, PodJson);
        var pod = KubernetesJson.Deserialize<Pod>(PodJson)!;

        await client.Resource<Pod>(ResourceType.Pods).ReplaceStatusAsync(pod);

        server.Requests.Single().Path.Should().Be("/api/v1/namespaces/team-a/pods/web/status");
    }

    [Test]
    public async Task Delete_SendsDeleteOptions_AndReturnsNullWhenGone()
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"web","kind":"pods","uid":"0f0e"}}""");

        var result = await client.Resource<Pod>(ResourceType.Pods).DeleteAsync("team-a", "web", new DeleteOptions
        {
            PropagationPolicy = PropagationPolicy.Foreground,
            Preconditions = new Preconditions { Uid = "0f0e", ResourceVersion = "42" },
        });

        result.Should().BeNull();
        var body = JsonNode.Parse(server.Requests.Single().Body)!;
        body["kind"]!.GetValue<string>().Should().Be("DeleteOptions");
        body["apiVersion"]!.GetValue<string>().Should().Be("v1");
        body["propagationPolicy"]!.GetValue<string>().Should().Be("Foreground");
        body["preconditions"]!["uid"]!.GetValue<string>().Should().Be("0f0e");
        body["preconditions"]!["resourceVersion"]!.GetValue<string>().Should().Be("42");
    }

    [Test]
    public async Task Delete_WithFinalizers_ReturnsTheObjectStillTerminating()
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 200, PodJson.Replace("\"uid\":\"0f0e\"", "\"uid\":\"0f0e\",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\",\"finalizers\":[\"chunkgate.io/revoke\"]", StringComparison.Ordinal));

        var result = await client.Resource<Pod>(ResourceType.Pods).DeleteAsync("team-a", "web");

        result!.Metadata.DeletionTimestamp.Should().Be(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        result.Metadata.Finalizers.Should().Equal("chunkgate.io/revoke");
    }

    [Test]
    public async Task TooManyRequests_IsRetriedAfterTheServersRetryAfter()
    {
        var arrivals = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>();
        server.Handler = (context, _) =>
        {
            arrivals.Enqueue(clock.GetUtcNow());
            if (arrivals.Count == 1)
            {
                context.Response.Headers.RetryAfter = "3";
                return CannedApiServer.WriteJsonAsync(context, 429, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429}""");
            }

            return CannedApiServer.WriteJsonAsync(context, 201, PodJson);
        };
        using var patient = new KubernetesClient(new KubernetesClientConfiguration { Server = server.Address, RequestTimeout = TimeSpan.FromHours(1) }, timeProvider: clock);

        var creating = patient.Resource<Pod>(ResourceType.Pods).CreateAsync(new Pod { Metadata = new ObjectMeta { Name = "web", Namespace = "team-a" } });
        for (var steps = 0; !creating.IsCompleted && steps < 400; steps++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5);
        }

        (await creating.WaitAsync(TimeSpan.FromSeconds(10))).Metadata.Name.Should().Be("web");
        var times = arrivals.ToList();
        times.Should().HaveCount(2, "a 429 is retried even for a POST: the server did not act on it");
        (times[1] - times[0]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3), "the client waits the full Retry-After");
    }

    [Test]
    public async Task TooManyRequests_Persisting_SurfacesWithRetryAfter()
    {
        using var noRetry = new KubernetesClient(server.Configuration(), timeProvider: clock, retryPolicy: RetryPolicy.None);
        server.Handler = (context, _) =>
        {
            context.Response.Headers.RetryAfter = "7";
            return CannedApiServer.WriteJsonAsync(context, 429, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow down","reason":"TooManyRequests","code":429}""");
        };

        var act = () => noRetry.Resource<Pod>(ResourceType.Pods).GetAsync("a", "b");

        (await act.Should().ThrowAsync<TooManyRequestsException>()).Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Test]
    public async Task Unauthorized_RefreshesAnExecCredentialOnceAndRetries()
    {
        using var dir = new TempDirectory();
        var script = dir.WriteScript("plugin.sh", $$$"""
            n=$(cat {{{dir.Path}}}/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > {{{dir.Path}}}/count
            echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"oidc-'$n'"}}'
            """);
        var exec = new ExecCredentialProvider(new ExecPluginConfig(ExecCredentialDocument.V1, script, [], [], false, "Never", null, "/k", "u"), new ExecClusterInfo(server.Address.ToString(), null, false, null), clock);
        using var execClient = new KubernetesClient(server.Configuration(exec), timeProvider: clock);
        server.Handler = (context, recorded) => recorded.Authorization == "Bearer oidc-1"
            ? CannedApiServer.WriteJsonAsync(context, 401, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""")
            : CannedApiServer.WriteJsonAsync(context, 200, PodJson);

        await execClient.Resource<Pod>(ResourceType.Pods).GetAsync("team-a", "web");

        server.Requests.Select(r => r.Authorization).Should().Equal("Bearer oidc-1", "Bearer oidc-2");
    }

    [Test]
    public async Task Unauthorized_WithAStaticToken_IsNotRetried()
    {
        server.Handler = (context, _) => CannedApiServer.WriteJsonAsync(context, 401, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""");

        var act = () => client.Resource<Pod>(ResourceType.Pods).GetAsync("a", "b");

        await act.Should().ThrowAsync<UnauthorizedException>();
        server.Requests.Should().HaveCount(1);
    }

    [Test]
    public async Task PodLogs_ReadsTheContainerLog()
    {
        server.Handler = async (context, _) =>
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("chunk 1/3 done\nchunk 2/3 done\n");
        };

        var log = await new PodLogs(client).ReadAsync("team-a", "web", new PodLogOptions { Container = "runner", TailLines = 50 });

        log.Should().Be("chunk 1/3 done\nchunk 2/3 done\n");
        var request = server.Requests.Single();
        request.Path.Should().Be("/api/v1/namespaces/team-a/pods/web/log");
        request.Query.Should().Contain("container", "runner").And.Contain("tailLines", "50");
    }

    [Test]
    public async Task Watch_SendsWatchParameters_AndDecodesChunkedEvents()
    {
        server.Handler = async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            var body = """{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a","namespace":"n","resourceVersion":"11"}}}""" + "\n"
                + """{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"15"}}}""" + "\n";
            foreach (var piece in body.Chunk(17))
            {
                await context.Response.WriteAsync(new string(piece));
                await context.Response.Body.FlushAsync();
            }
        };

        var events = new List<ChunkGate.Kubernetes.Watching.WatchEvent<Pod>>();
        await foreach (var e in client.Resource<Pod>(ResourceType.Pods).WatchAsync("n", new WatchOptions { ResourceVersion = "10", TimeoutSeconds = 300, LabelSelector = "app=x" }))
        {
            events.Add(e);
        }

        events.Select(e => e.ResourceVersion).Should().Equal("11", "15");
        server.Requests.Single().Query.Should().Contain(new Dictionary<string, string> { ["watch"] = "true", ["resourceVersion"] = "10", ["allowWatchBookmarks"] = "true", ["timeoutSeconds"] = "300", ["labelSelector"] = "app=x" });
    }

    [Test]
    public void NamespacedKind_WithoutNamespace_IsAnArgumentError()
    {
        FluentActions.Invoking(() => ResourceType.Pods.ObjectPath(null, "x")).Should().Throw<ArgumentException>().WithMessage("*pods is namespaced*");
        ResourceType.Namespaces.ObjectPath(null, "team-a").Should().Be("/api/v1/namespaces/team-a");
        ResourceType.Leases.CollectionPath("kube-system").Should().Be("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases");
        ResourceType.Pods.CollectionPath(null).Should().Be("/api/v1/pods");
    }
}
