using ChunkGate.Runner.Tests.Support;

namespace ChunkGate.Runner.Tests;

/// <summary>Stops the shared sidecars and drops the database once every test of the assembly ran.</summary>
[SetUpFixture]
public sealed class RigLifetime
{
    [OneTimeTearDown]
    public Task StopAsync() => RunnerRig.StopAsync();
}
