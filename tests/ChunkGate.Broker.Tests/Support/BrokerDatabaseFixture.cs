namespace ChunkGate.Broker.Tests.Support;

/// <summary>One <see cref="BrokerDatabase"/> per fixture: created before its first test, dropped after its last.</summary>
internal abstract class BrokerDatabaseFixture
{
    protected BrokerDatabase Database { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => Database = await BrokerDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropDatabaseAsync() => await Database.DisposeAsync();
}
