using ChunkGate.Operator.Controller;
using Microsoft.Extensions.DependencyInjection;

namespace ChunkGate.Operator.Tests.Controller;

public sealed class ControllerOptionsTests
{
    private static ControllerOptions Valid() => new([], "chunkgate-system", "runner:1", "sidecar:1", "replica-a");

    [Test]
    public void Validate_AcceptsTheDefaults() => Valid().Validate().Should().BeEmpty();

    [Test]
    public void Validate_NamesEachBadSetting()
    {
        var errors = (Valid() with
        {
            RunnerImage = "",
            WatchNamespaces = ["team-a", " "],
            RenewDeadline = TimeSpan.FromSeconds(20),
            Workers = 0,
            SidecarPort = 70000,
            SweepPeriod = TimeSpan.Zero,
        }).Validate();

        errors.Should().HaveCount(6);
        errors.Should().Contain(e => e.StartsWith("runner image", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("watch namespaces", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("leader election", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("workers", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("sidecar port", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("sweep period", StringComparison.Ordinal));
    }

    [Test]
    public void AddChunkGateController_RefusesABadOption_NamingIt() =>
        FluentActions.Invoking(() => new ServiceCollection().AddChunkGateController(Valid() with { Identity = "" }))
            .Should().Throw<ArgumentException>().WithMessage("controller option identity: required*");

    [Test]
    public void LeaseNamespace_DefaultsToTheOperatorNamespace()
    {
        Valid().EffectiveLeaseNamespace.Should().Be("chunkgate-system");
        (Valid() with { LeaseNamespace = "leases" }).EffectiveLeaseNamespace.Should().Be("leases");
    }
}
