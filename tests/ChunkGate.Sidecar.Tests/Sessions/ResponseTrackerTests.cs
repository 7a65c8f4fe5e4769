using ChunkGate.Sidecar.Sessions;

namespace ChunkGate.Sidecar.Tests.Sessions;

internal sealed class ResponseTrackerTests
{
    [Test]
    public void DescribeAnswered_TellsInjectedFromClientDescribes_InOrder()
    {
        var tracker = new ResponseTracker();
        tracker.Expect(PendingResponse.ClientDescribe);
        tracker.Expect(PendingResponse.InjectedDescribe);
        tracker.Expect(PendingResponse.ReadyForQuery);
        tracker.DescribeAnswered().Should().BeFalse();
        tracker.DescribeAnswered().Should().BeTrue();
        tracker.DescribeAnswered().Should().BeFalse("a RowDescription of a simple query is not a Describe's answer");
    }

    [Test]
    public void ReadyForQuery_DropsDescribesTheServerSkippedAfterAnError()
    {
        var tracker = new ResponseTracker();
        tracker.Expect(PendingResponse.InjectedDescribe);
        tracker.Expect(PendingResponse.ReadyForQuery);
        tracker.Expect(PendingResponse.InjectedDescribe);
        tracker.ReadyForQueryAnswered();
        tracker.DescribeAnswered().Should().BeTrue("the second batch's describe is next");
    }
}
