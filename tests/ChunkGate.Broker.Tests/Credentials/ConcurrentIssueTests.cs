using ChunkGate.Api.Jobs;
using ChunkGate.Broker.Tests.Support;

namespace ChunkGate.Broker.Tests.Credentials;

/// <summary>
/// Issues at once: PostgreSQL fails concurrent GRANTs on one table ("tuple concurrently updated"),
/// so these are the tests that fail if the broker's serialisation of privilege changes is lost.
/// </summary>
[Category("PostgreSQL")]
internal sealed class ConcurrentIssueTests : BrokerDatabaseFixture
{
    [Test]
    public async Task TwentyConcurrentIssues_OnTheSameTables_AllSucceed_AndEachRoleReadsItsTables()
    {
        var actions = new[] { JobAction.Read, JobAction.Write, JobAction.Export, JobAction.Transform };
        var credentials = await Task.WhenAll(Enumerable.Range(0, 20).Select(index => Task.Run(() => Database.IssueAsync(actions[index % actions.Length]))));

        credentials.Select(credential => credential.Role).Should().OnlyHaveUniqueItems();
        foreach (var credential in credentials)
        {
            await using var connection = await Database.OpenAsAsync(credential);
            (await SqlOutcome.ErrorOfAsync(connection, "SELECT ssn, email FROM customers")).Should().BeNull();
            (await SqlOutcome.ErrorOfAsync(connection, "SELECT count(*) FROM shop.orders")).Should().BeNull();
            (await SqlOutcome.ErrorOfAsync(connection, "SELECT ssn FROM shop.customers")).Should().Be(SqlOutcome.PermissionDenied);
        }

        (await Database.ScalarAsync<long>("SELECT count(*) FROM chunkgate.ledger WHERE role = ANY(@roles)", ("roles", credentials.Select(credential => credential.Role).ToArray())))
            .Should().Be(20);
    }

    [Test]
    public async Task ConcurrentIssues_OfOneRun_BothSucceed_OneCreates_TheLastPasswordWins()
    {
        var request = BrokerDatabase.Request(JobAction.Read);
        var both = await Task.WhenAll(Task.Run(() => Database.Broker.IssueAsync(request)), Task.Run(() => Database.Broker.IssueAsync(request)));

        both.Count(credential => credential.Created).Should().Be(1);
        both[0].Role.Should().Be(both[1].Role);
        var last = both.Single(credential => !credential.Created);
        await using var connection = await Database.OpenAsAsync(last);
        (await SqlOutcome.ErrorOfAsync(connection, "SELECT ssn FROM customers")).Should().BeNull();
    }
}
