using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Guardrails;

namespace ChunkGate.Sidecar.Tests.Guardrails;

internal sealed class ServerSettingGuardTests
{
    [TestCase(SessionAction.Read, "client_encoding", "UTF8", false)]
    [TestCase(SessionAction.Transform, "client_encoding", "SJIS", true)]
    [TestCase(SessionAction.Write, "client_encoding", "LATIN1", true)]
    [TestCase(SessionAction.Read, "standard_conforming_strings", "on", false)]
    [TestCase(SessionAction.Transform, "standard_conforming_strings", "off", true)]
    [TestCase(SessionAction.Read, "default_transaction_read_only", "on", false)]
    [TestCase(SessionAction.Read, "default_transaction_read_only", "off", true)]
    [TestCase(SessionAction.Export, "default_transaction_read_only", "off", true)]
    [TestCase(SessionAction.Write, "default_transaction_read_only", "off", false)]
    [TestCase(SessionAction.Read, "application_name", "anything", false)]
    public void Judge_EndsTheSessionOnlyWhenASettingTheGuardrailsAssumeChanges(SessionAction action, string name, string value, bool ends) =>
        (ServerSettingGuard.Judge(action, name, value) is not null).Should().Be(ends);
}
