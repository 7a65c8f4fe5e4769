using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Admission;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Schema;
using ChunkGate.LocalCluster.Semantics;
using ChunkGate.LocalCluster.Storage;

namespace ChunkGate.LocalCluster.Tests.Semantics;

/// <summary>
/// A write without a resourceVersion retries until it lands, like the real server's GuaranteedUpdate
/// loop: here another writer wins the race on every one of the first 50 attempts, deterministically.
/// </summary>
public sealed class UnconditionalWriteRetryTests
{
    /// <summary>Admission that lets a rival writer land between each read and write, a set number of times.</summary>
    private sealed class RivalWriter(ObjectStore store, int wins) : IAdmissionChain
    {
        public int Attempts { get; private set; }

        public Task<JsonObject?> MutateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken)
        {
            if (attributes.Operation == "UPDATE" && Attempts++ < wins)
            {
                var current = store.Get(attributes.Type, attributes.Namespace, attributes.Name)!;
                current["data"]!["rival"] = Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
                store.Update(attributes.Type, current, long.Parse(current["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
            }

            return Task.FromResult<JsonObject?>(null);
        }

        public Task ValidateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static async Task<(ResourceService Service, RivalWriter Rival, RequestOptions Options)> SeedAsync(int rivalWins)
    {
        var store = new ObjectStore();
        var rival = new RivalWriter(store, rivalWins);
        var service = new ResourceService(store, new ResourceCatalog(BuiltInResources.All), rival, SchemaValidation.Create(), TimeProvider.System);
        var options = RequestOptions.System("test");
        await service.CreateAsync(BuiltInResources.Namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ns" } }, options, CancellationToken.None);
        await service.CreateAsync(BuiltInResources.ConfigMaps, "ns",
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = "hot" }, ["data"] = new JsonObject { ["rival"] = "0" } }, options, CancellationToken.None);
        return (service, rival, options);
    }

    [Test]
    public async Task MergePatch_WithoutAResourceVersion_RetriesPastEveryLostRace()
    {
        var (service, rival, options) = await SeedAsync(rivalWins: 50);

        var patched = await service.PatchAsync(BuiltInResources.ConfigMaps, "ns", "hot", "", "application/merge-patch+json",
            new JsonObject { ["data"] = new JsonObject { ["mine"] = "1" } }, false, options, CancellationToken.None);

        rival.Attempts.Should().Be(51);
        patched["data"]!["mine"]!.GetValue<string>().Should().Be("1");
        patched["data"]!["rival"]!.GetValue<string>().Should().Be("50", "the patch applied to the latest object, not a stale read");
    }

    [Test]
    public async Task Update_WithAResourceVersion_StillConflictsOnTheFirstLostRace()
    {
        var (service, rival, options) = await SeedAsync(rivalWins: 1);
        var stale = service.Store.Get(BuiltInResources.ConfigMaps, "ns", "hot")!;
        stale["data"]!["mine"] = "1";

        var act = () => service.UpdateAsync(BuiltInResources.ConfigMaps, "ns", "hot", "", stale, options, CancellationToken.None);

        (await act.Should().ThrowAsync<ApiError>()).Which.Code.Should().Be(409);
        rival.Attempts.Should().Be(1);
    }
}
