using ChunkGate.Api.Approvals;
using ChunkGate.Operator.Webhooks;
using ChunkGate.Testing.Time;
using k8s;

namespace ChunkGate.Operator.Tests.Webhooks;

public sealed class ApprovalReservationsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expires = Now.AddMinutes(10);

    private static ChunkApproval Stored(string name, string approver = "bob") => KubernetesJson.Deserialize<ChunkApproval>($$$"""
        {"metadata":{"name":"{{{name}}}","namespace":"demo"},"spec":{"jobRef":{"name":"job"},"jobUid":"u1","ttl":"10m","reason":"x","approver":"{{{approver}}}","jobSpecHash":"h1"}}
        """);

    [Test]
    public void ASecondApproval_ForTheSameKey_IsHeldOff_UntilTheFirstIsSeenStored()
    {
        var reservations = new ApprovalReservations(new FakeTimeProvider(Now));
        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a1", Expires, dryRun: false).Should().BeNull();

        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a2", Expires, dryRun: false).Should().BeEquivalentTo(
            new { Name = "a1", Approver = "bob", JobSpecHash = "h1", ExpiresAt = (DateTimeOffset?)Expires, Consumed = false });
        reservations.OnAdd(Stored("a1"));

        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a2", Expires, dryRun: false).Should().BeNull("once stored, the fresh list the webhook reads has a1");
    }

    [TestCase("demo", "job", "u1", "carol", "h1")]
    [TestCase("demo", "job", "u1", "bob", "h2")]
    [TestCase("demo", "other", "u1", "bob", "h1")]
    [TestCase("other", "job", "u1", "bob", "h1")]
    [TestCase("demo", "job", "u2", "bob", "h1")]
    public void AnotherExecutorJobJobUidHashOrNamespace_IsNotHeldOff(string ns, string job, string jobUid, string approver, string hash)
    {
        var reservations = new ApprovalReservations(new FakeTimeProvider(Now));
        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a1", Expires, dryRun: false);

        reservations.Reserve(ns, job, jobUid, approver, hash, "a2", Expires, dryRun: false).Should().BeNull();
    }

    [Test]
    public void AReservation_WhoseApprovalIsNeverStored_LapsesAfterTheHold()
    {
        var clock = new FakeTimeProvider(Now);
        var reservations = new ApprovalReservations(clock);
        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a1", Expires, dryRun: false);

        clock.Advance(ApprovalReservations.Hold - TimeSpan.FromSeconds(1));
        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a2", Expires, dryRun: false).Should().NotBeNull();
        clock.Advance(TimeSpan.FromSeconds(1));
        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a2", Expires, dryRun: false).Should().BeNull();
    }

    [Test]
    public void AnotherApprovalStored_DoesNotReleaseTheReservation()
    {
        var reservations = new ApprovalReservations(new FakeTimeProvider(Now));
        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a1", Expires, dryRun: false);

        reservations.OnAdd(Stored("a9"));

        reservations.Reserve("demo", "job", "u1", "bob", "h1", "a2", Expires, dryRun: false).Should().NotBeNull();
    }

    [Test]
    public void GeneratedNames_NeverMatchEachOther()
    {
        var reservations = new ApprovalReservations(new FakeTimeProvider(Now));
        reservations.Reserve("demo", "job", "u1", "bob", "h1", null, Expires, dryRun: false).Should().BeNull();

        reservations.Reserve("demo", "job", "u1", "bob", "h1", null, Expires, dryRun: false).Should().NotBeNull();
    }
}
