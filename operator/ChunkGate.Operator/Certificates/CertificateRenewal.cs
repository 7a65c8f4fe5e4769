using System.Security.Cryptography.X509Certificates;

namespace ChunkGate.Operator.Certificates;

internal enum RenewalAction
{
    Keep,
    /// <summary>New serving certificate from the same CA: the caBundle does not change.</summary>
    RenewServing,
    /// <summary>New CA and serving certificate: nothing usable stored, the CA near its end, or the names changed.</summary>
    RenewAll,
}

internal sealed record RenewalDecision(RenewalAction Action, DateTimeOffset? NextCheck);

/// <summary>When the webhook's certificates must be replaced: <c>renewBefore</c> ahead of expiry, so the API server never meets an expired one.</summary>
internal static class CertificateRenewal
{
    public static RenewalDecision Decide(CertificateBundle? stored, IReadOnlyList<string> dnsNames, DateTimeOffset now, TimeSpan renewBefore)
    {
        if (stored is null)
        {
            return new(RenewalAction.RenewAll, null);
        }

        using var authority = X509Certificate2.CreateFromPem(stored.CaBundlePem);
        using var serving = X509Certificate2.CreateFromPem(stored.CertificatePem);
        var caRenewAt = new DateTimeOffset(authority.NotAfter.ToUniversalTime()) - renewBefore;
        var servingRenewAt = new DateTimeOffset(serving.NotAfter.ToUniversalTime()) - renewBefore;
        if (now >= caRenewAt || !SameNames(serving, dnsNames))
        {
            return new(RenewalAction.RenewAll, null);
        }

        if (now >= servingRenewAt || now < new DateTimeOffset(serving.NotBefore.ToUniversalTime()))
        {
            return new(RenewalAction.RenewServing, null);
        }

        return new(RenewalAction.Keep, servingRenewAt < caRenewAt ? servingRenewAt : caRenewAt);
    }

    private static bool SameNames(X509Certificate2 certificate, IReadOnlyList<string> dnsNames)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return extension is not null && extension.EnumerateDnsNames().Order(StringComparer.Ordinal).SequenceEqual(dnsNames.Order(StringComparer.Ordinal), StringComparer.Ordinal);
    }
}
