using ChunkGate.Operator.Decisions;

namespace ChunkGate.Operator.Tests.Decisions;

public sealed class RunPodStatesTests
{
    [TestCase(new[] { PodState.Succeeded, PodState.Succeeded, PodState.Succeeded }, PodState.Succeeded)]
    [TestCase(new[] { PodState.Succeeded, PodState.Running, PodState.Succeeded }, PodState.Running)]
    [TestCase(new[] { PodState.Succeeded, PodState.Failed, PodState.Running }, PodState.Failed)]
    [TestCase(new[] { PodState.Running, PodState.Absent }, PodState.Absent)]
    [TestCase(new[] { PodState.Succeeded, PodState.Absent }, PodState.Absent)]
    [TestCase(new[] { PodState.Pending, PodState.Succeeded }, PodState.Pending)]
    [TestCase(new[] { PodState.Failed, PodState.Absent }, PodState.Failed)]
    [TestCase(new PodState[0], PodState.Absent)]
    [TestCase(new[] { PodState.Running, PodState.Lost }, PodState.Lost)]
    [TestCase(new[] { PodState.Failed, PodState.Lost, PodState.Absent }, PodState.Lost)]
    [TestCase(new[] { PodState.Succeeded, PodState.Lost }, PodState.Lost)]
    public void Combine_SucceedsOnlyWhenEveryPodSucceeded_AndFailsWhenOneFailed(PodState[] pods, PodState expected) =>
        RunPodStates.Combine(pods).Should().Be(expected);

    [TestCase(1, 4)]
    [TestCase(3, 10)]
    [TestCase(32, 97)]
    public void ConnectionLimit_CoversEachPodsRunnerAndItsSidecarsTwoControlConnections(int pods, int limit) =>
        RunConnections.Limit(pods).Should().Be(limit).And.BeLessOrEqualTo(100, "the broker refuses more than 100");
}
