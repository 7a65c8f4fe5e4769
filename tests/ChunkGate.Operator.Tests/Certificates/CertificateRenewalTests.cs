using ChunkGate.Operator.Certificates;

namespace ChunkGate.Operator.Tests.Certificates;

public sealed class CertificateRenewalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Validity = TimeSpan.FromDays(10);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(3);
    private static readonly string[] Names = ["chunkgate-webhook", "chunkgate-webhook.chunkgate-system.svc"];

    [Test]
    public void NothingStored_IssuesEverything()
    {
        CertificateRenewal.Decide(null, Names, T0, RenewBefore).Action.Should().Be(RenewalAction.RenewAll);
    }

    [Test]
    public void AFreshBundle_IsKept_UntilRenewBeforeItsExpiry()
    {
        var bundle = CertificateIssuer.IssueAll(Names, T0, Validity, null);

        var decision = CertificateRenewal.Decide(bundle, Names, T0.AddDays(1), RenewBefore);

        decision.Action.Should().Be(RenewalAction.Keep);
        decision.NextCheck.Should().Be(T0.AddDays(7));
        CertificateRenewal.Decide(bundle, Names, T0.AddDays(7), RenewBefore).Action.Should().Be(RenewalAction.RenewServing);
    }

    [Test]
    public void RenewingTheServingCertificate_KeepsTheCa_SoTheCaBundleDoesNotChange()
    {
        var bundle = CertificateIssuer.IssueAll(Names, T0, Validity, null);

        var renewed = CertificateIssuer.IssueServing(bundle, Names, T0.AddDays(7), Validity);

        renewed.CaBundlePem.Should().Be(bundle.CaBundlePem);
        renewed.CertificatePem.Should().NotBe(bundle.CertificatePem);
        CertificateRenewal.Decide(renewed, Names, T0.AddDays(8), RenewBefore).Action.Should().Be(RenewalAction.Keep);
    }

    [Test]
    public void ACaNearItsEnd_IsReplaced_AndTheOldCaStaysTrustedUntilItExpires()
    {
        var bundle = CertificateIssuer.IssueAll(Names, T0, Validity, null);
        var late = T0 + CertificateIssuer.CaValidity(Validity) - RenewBefore;

        CertificateRenewal.Decide(bundle, Names, late, RenewBefore).Action.Should().Be(RenewalAction.RenewAll);
        var renewed = CertificateIssuer.IssueAll(Names, late, Validity, bundle);
        renewed.LoadCaBundle().Should().HaveCount(2);
        renewed.CaKeyPem.Should().NotBe(bundle.CaKeyPem);
    }

    [Test]
    public void ChangedServiceNames_IssueEverythingAnew()
    {
        var bundle = CertificateIssuer.IssueAll(Names, T0, Validity, null);

        CertificateRenewal.Decide(bundle, ["other-webhook"], T0.AddDays(1), RenewBefore).Action.Should().Be(RenewalAction.RenewAll);
    }

    [Test]
    public void ATamperedOrIncompleteSecret_IsNotUsed()
    {
        var data = CertificateIssuer.IssueAll(Names, T0, Validity, null).ToSecretData();
        data[CertificateBundle.KeyKey] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"u8.ToArray();

        CertificateBundle.FromSecretData(data).Should().BeNull();
        CertificateBundle.FromSecretData(new Dictionary<string, byte[]>()).Should().BeNull();
    }
}
