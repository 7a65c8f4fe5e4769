using k8s;
using k8s.Models;
using static ChunkGate.LocalCluster.Tests.OfficialClient.OfficialClients;

namespace ChunkGate.LocalCluster.Tests.OfficialClient;

/// <summary>List with label selectors, and paging with limit/continue.</summary>
[Category("LocalCluster")]
public sealed class ListTests
{
    private static async Task<string> SeedAsync(IKubernetes client, string prefix, int count)
    {
        var ns = await NamespaceAsync(client, prefix);
        for (var i = 0; i < count; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = $"c{i:D2}",
                    Labels = new Dictionary<string, string> { ["parity"] = i % 2 == 0 ? "even" : "odd", ["tier"] = i < 3 ? "low" : "high" },
                },
            }, ns);
        }

        return ns;
    }

    [TestCase("parity=even", new[] { "c00", "c02", "c04", "c06" })]
    [TestCase("parity!=even,tier=low", new[] { "c01" })]
    [TestCase("tier in (low),parity notin (odd)", new[] { "c00", "c02" })]
    [TestCase("!missing,parity", new[] { "c00", "c01", "c02", "c03", "c04", "c05", "c06" })]
    public async Task List_WithALabelSelector_ReturnsTheMatchingItems(string selector, string[] expected)
    {
        using var client = For();
        var ns = await SeedAsync(client, "oc-sel", 7);

        var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector);

        list.Items.Select(c => c.Metadata.Name).Should().Equal(expected);
    }

    [Test]
    public async Task List_WithLimitAndContinue_PagesThroughEveryItemOnce()
    {
        using var client = For();
        var ns = await SeedAsync(client, "oc-page", 7);

        var names = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 3, continueParameter: next);
            names.AddRange(page.Items.Select(c => c.Metadata.Name));
            next = page.Metadata.ContinueProperty;
            if (next is not null)
            {
                page.Metadata.RemainingItemCount.Should().Be(7 - names.Count);
            }

            pages++;
        }
        while (!string.IsNullOrEmpty(next));

        pages.Should().Be(3);
        names.Should().Equal("c00", "c01", "c02", "c03", "c04", "c05", "c06");
    }

    [Test]
    public async Task List_WithABadContinueToken_Is400()
    {
        using var client = For();
        var ns = await SeedAsync(client, "oc-badcont", 1);

        var (code, _) = await FailureOfAsync(() => client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 1, continueParameter: "not-a-token"));

        code.Should().Be(System.Net.HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task List_WithSendInitialEvents_Is422()
    {
        using var client = For();
        var ns = await SeedAsync(client, "oc-listsie", 1);

        var (code, status) = await FailureOfAsync(() => client.CoreV1.ListNamespacedConfigMapAsync(ns, sendInitialEvents: true));

        code.Should().Be(System.Net.HttpStatusCode.UnprocessableEntity);
        status.Message.Should().Be("ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
    }

    [Test]
    public async Task List_WithAResourceVersionMatchButNoResourceVersion_Is422()
    {
        using var client = For();
        var ns = await SeedAsync(client, "oc-listrvm", 1);

        var (code, status) = await FailureOfAsync(() => client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersionMatch: "NotOlderThan"));

        code.Should().Be(System.Net.HttpStatusCode.UnprocessableEntity);
        status.Details.Causes.Should().ContainSingle().Which.Message.Should().Be("Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
    }

    [Test]
    public async Task Watch_WithAResourceVersionMatchButNoSendInitialEvents_Is422()
    {
        using var client = For();
        var ns = await SeedAsync(client, "oc-watchrvm", 1);

        var (code, status) = await FailureOfAsync(() => client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(ns, watch: true, resourceVersionMatch: "NotOlderThan"));

        code.Should().Be(System.Net.HttpStatusCode.UnprocessableEntity);
        status.Details.Causes.Should().ContainSingle().Which.Message.Should().Be("Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
    }
}
