using ChunkGate.Kubernetes.Events;
using ChunkGate.Kubernetes.Models;
using ChunkGate.Kubernetes.Tests.Support;

namespace ChunkGate.Kubernetes.Tests.Events;

public sealed class EventCorrelatorTests
{
    private static int serial;

    private static Event Candidate(string message, string reason = "Approved", string objectName = "nightly-export") => new()
    {
        Metadata = new ObjectMeta { Name = $"{objectName}.{Interlocked.Increment(ref serial):x}", Namespace = "team-a" },
        InvolvedObject = new ObjectReference { ApiVersion = "chunkgate.io/v1alpha1", Kind = "ChunkJob", Namespace = "team-a", Name = objectName, Uid = "uid-" + objectName },
        Type = EventTypes.Normal,
        Reason = reason,
        Message = message,
        Source = new EventSource { Component = "chunkgate-operator" },
        ReportingComponent = "chunkgate-operator",
        ReportingInstance = "pod-1",
    };

    [Test]
    public void IdenticalEvents_IncrementTheCountOfTheFirst()
    {
        var clock = new FakeTimeProvider();
        var correlator = new EventCorrelator(clock);

        var first = correlator.Correlate(Candidate("approved by bob"));
        clock.Advance(TimeSpan.FromSeconds(30));
        var second = correlator.Correlate(Candidate("approved by bob"));

        first.Write.Should().Be(EventWrite.Create);
        first.Event.Count.Should().Be(1);
        second.Write.Should().Be(EventWrite.Patch);
        second.Event.Metadata.Name.Should().Be(first.Event.Metadata.Name);
        second.Event.Count.Should().Be(2);
        second.Event.FirstTimestamp.Should().Be(first.Event.FirstTimestamp);
        second.Event.LastTimestamp.Should().Be(clock.GetUtcNow());
    }

    [Test]
    public void DifferentMessages_AreSeparateEvents_UntilTenSimilarOnesAreCombined()
    {
        var correlator = new EventCorrelator(new FakeTimeProvider());

        var writes = Enumerable.Range(1, 12).Select(i => correlator.Correlate(Candidate($"chunk {i} done", reason: "Progress"))).ToList();

        writes.Take(9).Should().AllSatisfy(w => w.Write.Should().Be(EventWrite.Create));
        writes[9].Write.Should().Be(EventWrite.Create);
        writes[9].Event.Message.Should().Be("(combined from similar events): chunk 10 done");
        writes[10].Write.Should().Be(EventWrite.Patch);
        writes[10].Event.Metadata.Name.Should().Be(writes[9].Event.Metadata.Name);
        writes[11].Event.Count.Should().Be(3);
    }

    [Test]
    public void SimilarEvents_OutsideTheTenMinuteWindow_AreNotCombined()
    {
        var clock = new FakeTimeProvider();
        var correlator = new EventCorrelator(clock);
        for (var i = 0; i < 9; i++)
        {
            correlator.Correlate(Candidate($"m{i}", reason: "Progress"));
        }

        clock.Advance(TimeSpan.FromMinutes(11));

        correlator.Correlate(Candidate("m9", reason: "Progress")).Event.Message.Should().Be("m9");
    }

    [Test]
    public void AFlood_OnOneObject_IsDroppedAfterTheBurst_AndRefillsEveryFiveMinutes()
    {
        var clock = new FakeTimeProvider();
        var correlator = new EventCorrelator(clock);

        var writes = Enumerable.Range(0, 30).Select(i => correlator.Correlate(Candidate($"x{i}", reason: $"R{i}")).Write).ToList();

        writes.Take(25).Should().NotContain(EventWrite.Drop);
        writes.Skip(25).Should().AllSatisfy(w => w.Should().Be(EventWrite.Drop));
        correlator.Correlate(Candidate("other object", objectName: "another")).Write.Should().Be(EventWrite.Create, "the budget is per object");

        clock.Advance(TimeSpan.FromMinutes(5));
        correlator.Correlate(Candidate("after refill", reason: "Late")).Write.Should().Be(EventWrite.Create);
        correlator.Correlate(Candidate("again", reason: "Later")).Write.Should().Be(EventWrite.Drop);
    }

    [Test]
    public void Forget_AfterTheServerLostTheEvent_StartsAFreshOne()
    {
        var correlator = new EventCorrelator(new FakeTimeProvider());
        var first = correlator.Correlate(Candidate("same"));

        correlator.Forget(first.Event);

        correlator.Correlate(Candidate("same")).Write.Should().Be(EventWrite.Create);
    }
}
