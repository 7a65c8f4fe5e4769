using ChunkGate.Api.Meta;
using ChunkGate.Operator.Status;

namespace ChunkGate.Operator.Tests.Status;

public sealed class ConditionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void Set_NewCondition_TransitionsNow()
    {
        var set = Conditions.Set(null, ConditionTypes.Approved, ConditionStatus.False, "AwaitingApproval", "0 of 1", 3, T0);

        set.Should().ContainSingle().Which.Should().BeEquivalentTo(new Condition
        {
            Type = "Approved", Status = ConditionStatus.False, Reason = "AwaitingApproval", Message = "0 of 1",
            ObservedGeneration = 3, LastTransitionTime = T0,
        });
    }

    [Test]
    public void Set_SameStatus_KeepsTheTransitionTime_ButTakesTheNewReasonAndGeneration()
    {
        var first = Conditions.Set(null, ConditionTypes.Approved, ConditionStatus.False, "AwaitingApproval", "0 of 2", 1, T0);

        var second = Conditions.Set(first, ConditionTypes.Approved, ConditionStatus.False, "AwaitingApproval", "1 of 2", 2, T0.AddMinutes(5));

        second.Single().LastTransitionTime.Should().Be(T0);
        second.Single().Message.Should().Be("1 of 2");
        second.Single().ObservedGeneration.Should().Be(2);
    }

    [Test]
    public void Set_Flip_MovesTheTransitionTime()
    {
        var first = Conditions.Set(null, ConditionTypes.Approved, ConditionStatus.False, "AwaitingApproval", "", 1, T0);

        Conditions.Set(first, ConditionTypes.Approved, ConditionStatus.True, "Approved", "", 1, T0.AddMinutes(5))
            .Single().LastTransitionTime.Should().Be(T0.AddMinutes(5));
    }

    [Test]
    public void Set_LeavesOtherConditionsAndTheInputUntouched()
    {
        var input = Conditions.Set(null, ConditionTypes.Valid, ConditionStatus.True, "Valid", "", 1, T0);
        input = Conditions.Set(input, ConditionTypes.Approved, ConditionStatus.False, "AwaitingApproval", "", 1, T0);
        var before = input.Select(c => (c.Type, c.Status, c.Reason, c.LastTransitionTime)).ToList();

        var output = Conditions.Set(input, ConditionTypes.Approved, ConditionStatus.True, "Approved", "", 1, T0.AddMinutes(1));

        output.Select(c => c.Type).Should().Equal("Approved", "Valid");
        input.Select(c => (c.Type, c.Status, c.Reason, c.LastTransitionTime)).Should().Equal(before);
        output.Single(c => c.Type == "Valid").Should().NotBeSameAs(input.Single(c => c.Type == "Valid"));
    }
}

public sealed class JobStatusDisplayTests
{
    [TestCase(new string[0], null)]
    [TestCase(new[] { "carol", "bob", "bob" }, "bob,carol")]
    public void Approvers_AreDistinctAndSorted(string[] approvers, string? expected) =>
        JobStatusDisplay.Approvers(approvers).Should().Be(expected);

    [TestCase(0, 0, null)]
    [TestCase(37, 120, "37/120")]
    [TestCase(130, 120, "120/120")]
    public void Progress_ShowsDoneOfTotal(long done, long total, string? expected) =>
        JobStatusDisplay.Progress(done, total).Should().Be(expected);
}
