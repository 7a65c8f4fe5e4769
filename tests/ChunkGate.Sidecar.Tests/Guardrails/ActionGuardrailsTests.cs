using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Guardrails;

namespace ChunkGate.Sidecar.Tests.Guardrails;

internal sealed class ActionGuardrailsTests
{
    [TestCase(SessionAction.Read, StatementTraits.None, null)]
    [TestCase(SessionAction.Read, StatementTraits.Write, "25006")]
    [TestCase(SessionAction.Read, StatementTraits.Ddl, "25006")]
    [TestCase(SessionAction.Read, StatementTraits.CopyTo, "42501")]
    [TestCase(SessionAction.Export, StatementTraits.CopyTo, null)]
    [TestCase(SessionAction.Export, StatementTraits.CopyFrom, "42501")]
    [TestCase(SessionAction.Export, StatementTraits.CopyToServer, "42501")]
    [TestCase(SessionAction.Write, StatementTraits.Write, null)]
    [TestCase(SessionAction.Write, StatementTraits.CopyFrom, null)]
    [TestCase(SessionAction.Write, StatementTraits.Ddl, "42501")]
    [TestCase(SessionAction.Write, StatementTraits.CopyTo, "42501")]
    [TestCase(SessionAction.Transform, StatementTraits.Ddl | StatementTraits.Write | StatementTraits.ProceduralCode, null)]
    [TestCase(SessionAction.Transform, StatementTraits.SessionAuthorization, "42501")]
    [TestCase(SessionAction.Transform, StatementTraits.CopyToServer, "42501")]
    [TestCase(SessionAction.Read, StatementTraits.TwoPhaseCommit, "42501")]
    [TestCase(SessionAction.Write, StatementTraits.TwoPhaseCommit, "42501")]
    [TestCase(SessionAction.Transform, StatementTraits.TwoPhaseCommit, "42501")]
    public void Decide_FollowsTheAction(SessionAction action, StatementTraits traits, string? sqlState)
    {
        var refusal = ActionGuardrails.Decide(action, traits);
        refusal?.SqlState.Should().Be(sqlState);
        (refusal is null).Should().Be(sqlState is null);
    }

    [Test]
    public void Decide_NamesWhatWasRefusedAndTheAction() =>
        ActionGuardrails.Decide(SessionAction.Read, StatementTraits.Write)!.Message
            .Should().Be("ChunkGate sidecar refused the statement: writes, row locks, sequences, large objects and advisory locks not allowed for a read approval");
}
