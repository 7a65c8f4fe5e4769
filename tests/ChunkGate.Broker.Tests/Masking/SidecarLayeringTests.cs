using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Tests.Support;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Broker.Tests.Masking;

/// <summary>
/// The sidecar must not mask again what a masking view already masked: it resolves the base
/// table's masked columns as before, but not the masking views' columns (a hash of a hash would
/// break joins between the two layers). Views anyone else builds over the base table still count.
/// </summary>
[Category("PostgreSQL")]
public sealed class SidecarLayeringTests
{
    [Test]
    public async Task Resolver_SkipsTheMaskingViews_KeepsBaseTableAndOtherViews()
    {
        await using var database = await BrokerDatabase.CreateAsync();
        await database.ScalarAsync<object>("CREATE VIEW shop.customer_view AS SELECT id, ssn FROM shop.customers");
        var credential = await database.IssueAsync(JobAction.Read);
        await using var connection = await database.OpenAsAsync(credential);
        var policy = new MaskingPolicy([new ColumnRule("shop", "customers", "ssn", MaskingStrategy.Hash)], DetectorKinds.None, BrokerDatabase.HashKey);

        var resolution = await CatalogResolver.ResolveAsync(connection, policy, CancellationToken.None);

        var baseTable = await database.ScalarAsync<uint>("SELECT 'shop.customers'::regclass::oid");
        var maskingView = await database.ScalarAsync<uint>("SELECT 'chunkgate_masked.customers'::regclass::oid");
        var otherView = await database.ScalarAsync<uint>("SELECT 'shop.customer_view'::regclass::oid");
        resolution.Columns.TryGetStrategy(baseTable, 3, out _).Should().BeTrue();
        resolution.Columns.TryGetStrategy(otherView, 2, out _).Should().BeTrue();
        resolution.Columns.TryGetStrategy(maskingView, 3, out _).Should().BeFalse("the view's ssn is hashed by the database already");
    }
}
