using ChunkGate.Api.Jobs;
using ChunkGate.Kubectl.Commands;
using k8s.Models;

namespace ChunkGate.Kubectl.Tests.Commands;

/// <summary>Replay shows a recording only if it is the one the operator kept: the uid and digest in the job's status.</summary>
public sealed class ReplayRefusalTests
{
    private const string Recording = """{"event":"session.start"}""";

    private static V1ConfigMap Map(string uid) => new() { Metadata = new V1ObjectMeta { Name = "j-r1-recording", Uid = uid } };

    private static KeptRecording Kept(string uid, string recording = Recording) =>
        new() { Run = "r1", ConfigMap = "j-r1-recording", Uid = uid, Sha256 = KeptRecording.DigestOf(recording) };

    [Test]
    public void TheKeptRecording_IsShown() => ReplayCommand.RefusalOf(Kept("u1"), Map("u1"), Recording).Should().BeNull();

    [Test]
    public void ARecordingTheStatusDoesNotName_IsRefused() =>
        ReplayCommand.RefusalOf(null, Map("u1"), Recording).Should().Be("the job's status records no recording kept by the operator for this run, so it was not made by the operator");

    [Test]
    public void AnotherUid_IsRefused_EvenWithTheSameContent() =>
        ReplayCommand.RefusalOf(Kept("u1"), Map("u2"), Recording).Should().Be("its uid u2 is not u1, the one the operator recorded in the job's status, so it was not made by the operator");

    [Test]
    public void ChangedContent_IsRefused() =>
        ReplayCommand.RefusalOf(Kept("u1"), Map("u1"), Recording + "\n{\"event\":\"forged\"}").Should().Be("its content is not the recording the operator kept (the digest in the job's status differs)");

    [Test]
    public void TheDigest_IsOfTheTextsUtf8Bytes() =>
        KeptRecording.DigestOf("abc").Should().Be("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
