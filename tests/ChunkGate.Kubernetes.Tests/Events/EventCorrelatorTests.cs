using ChunkGate.Kubernetes.Events;
using ChunkGate.Kubernetes.Tests.Support;
using k8s.Models;

namespace ChunkGate.Kubernetes.Tests.Events;

public sealed class EventCorrelatorTests
{
    private static int serial;

    private static Corev1Event Candidate(string message, string reason = "Approved", string objectName = "nightly-export") => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{objectName}.{Interlocked.Increment(ref serial):x}", NamespaceProperty = "team-a" },
        InvolvedObject = new V1ObjectReference { ApiVersion = "chunkgate.io/v1alpha1", Kind = "ChunkJob", NamespaceProperty = "team-a", Name = objectName, Uid = "uid-" + objectName },
        Type = EventTypes.Normal,
        Reason = reason,
        Message = message,
        Source = new V1EventSource { Component = "chunkgate-operator" },
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
        second.Event.LastTimestamp.Should().Be(clock.GetUtcNow().UtcDateTime);
    }

    [Test]
    public void DistinctMessages_AreEachWritten_NeverCombined()
    {
        // client-go would fold the 10th distinct message on the same object and reason into one
        // "(combined from similar events)" event; an audit trail must keep each one.
        var correlator = new EventCorrelator(new FakeTimeProvider());

        var written = Enumerable.Range(0, EventCorrelator.SpamBurst).Select(i => correlator.Correlate(Candidate($"chunk {i} done", reason: "Progress"))).ToList();

        written.Should().OnlyContain(c => c.Write == EventWrite.Create);
        written.Select(c => c.Event.Message).Should().OnlyHaveUniqueItems().And.AllSatisfy(m => m.Should().StartWith("chunk "));
    }

    [Test]
    public void ABurstBeyondTheBudget_IsDropped_ButRepeatsStillCount_AndTheBudgetRefills()
    {
        var clock = new FakeTimeProvider();
        var correlator = new EventCorrelator(clock);
        for (var i = 0; i < EventCorrelator.SpamBurst; i++)
        {
            correlator.Correlate(Candidate($"m{i}")).Write.Should().Be(EventWrite.Create);
        }

        correlator.Correlate(Candidate("one too many")).Write.Should().Be(EventWrite.Drop);
        correlator.Correlate(Candidate("m0")).Write.Should().Be(EventWrite.Patch, "a repeat is aggregated, not a new record");
        correlator.Correlate(Candidate("other object", objectName: "other")).Write.Should().Be(EventWrite.Create, "the budget is per object");

        clock.Advance(EventCorrelator.SpamRefill);
        correlator.Correlate(Candidate("after refill")).Write.Should().Be(EventWrite.Create);
    }

    [Test]
    public void Forget_StartsANewEventForTheNextRepeat()
    {
        var correlator = new EventCorrelator(new FakeTimeProvider());
        var first = correlator.Correlate(Candidate("approved by bob"));
        correlator.Forget(first.Event);

        correlator.Correlate(Candidate("approved by bob")).Write.Should().Be(EventWrite.Create);
    }
}
