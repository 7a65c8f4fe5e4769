using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Hosting;
using ChunkGate.Operator.Webhooks;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Certificates;

/// <summary>
/// Keeps the webhook's certificates current: reads the Secret, issues what <see cref="CertificateRenewal"/>
/// asks for, writes the Secret (a conflict means another replica wrote first: read again), trusts the
/// CA in the webhook configurations, then serves the certificate; sleeps until the next renewal.
/// </summary>
internal sealed partial class CertificateRotator(
    IKubernetes client,
    OperatorSettings settings,
    IReadOnlyList<WebhookRoute> routes,
    ServingCertificate serving,
    TimeProvider clock,
    ILogger<CertificateRotator> logger) : BackgroundService
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    // Task.Delay takes at most ~49 days; a longer wait is taken in steps.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(20);

    private string? registeredCaBundle;
    private string? servedCertificate;

    public IReadOnlyList<string> DnsNames { get; } =
    [
        settings.WebhookService,
        $"{settings.WebhookService}.{settings.OperatorNamespace}",
        $"{settings.WebhookService}.{settings.OperatorNamespace}.svc",
        $"{settings.WebhookService}.{settings.OperatorNamespace}.svc.cluster.local",
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset next;
            try
            {
                next = await EnsureAsync(stoppingToken);
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, error, RetryAfterFailure.TotalSeconds);
                next = clock.GetUtcNow() + RetryAfterFailure;
            }

            try
            {
                for (var wait = next - clock.GetUtcNow(); wait > TimeSpan.Zero; wait = next - clock.GetUtcNow())
                {
                    // Timers count whole milliseconds: round up, or a sub-millisecond remainder never elapses.
                    var step = TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds));
                    await Task.Delay(step < LongestWait ? step : LongestWait, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One round: returns when to look again.</summary>
    public async Task<DateTimeOffset> EnsureAsync(CancellationToken cancellationToken)
    {
        var secrets = client.CoreV1;
        var secret = await secrets.ReadNamespacedSecretAsync(settings.CertificateSecret, settings.OperatorNamespace, cancellationToken: cancellationToken).OrNull();
        var stored = CertificateBundle.FromSecretData(secret?.Data);
        var now = clock.GetUtcNow();
        var decision = CertificateRenewal.Decide(stored, DnsNames, now, settings.CertificateRenewBefore);
        var bundle = stored;
        if (decision.Action != RenewalAction.Keep)
        {
            bundle = decision.Action == RenewalAction.RenewServing
                ? CertificateIssuer.IssueServing(stored!, DnsNames, now, settings.CertificateValidity)
                : CertificateIssuer.IssueAll(DnsNames, now, settings.CertificateValidity, stored);
            var written = new V1Secret
            {
                ApiVersion = "v1",
                Kind = "Secret",
                Metadata = new V1ObjectMeta { Name = settings.CertificateSecret, NamespaceProperty = settings.OperatorNamespace, ResourceVersion = secret?.Metadata.ResourceVersion },
                Type = "kubernetes.io/tls",
                Data = bundle.ToSecretData(),
            };
            if (secret is null)
            {
                await secrets.CreateNamespacedSecretAsync(written, settings.OperatorNamespace, cancellationToken: cancellationToken).Typed();
            }
            else
            {
                await secrets.ReplaceNamespacedSecretAsync(written, settings.CertificateSecret, settings.OperatorNamespace, cancellationToken: cancellationToken).Typed();
            }

            LogIssued(logger, decision.Action.ToString(), settings.OperatorNamespace, settings.CertificateSecret);
        }

        // Trust first, then serve: the API server must know the CA before it meets a certificate it signed.
        if (registeredCaBundle != bundle!.CaBundlePem)
        {
            var (mutating, validating) = WebhookRegistration.Build(settings, routes, bundle.CaBundlePem);
            await WebhookRegistration.ApplyAsync(client, mutating, validating, cancellationToken);
            registeredCaBundle = bundle.CaBundlePem;
        }

        if (servedCertificate != bundle.CertificatePem)
        {
            serving.Serve(bundle.LoadServingCertificate());
            servedCertificate = bundle.CertificatePem;
        }

        serving.MarkRegistered();
        return CertificateRenewal.Decide(bundle, DnsNames, now, settings.CertificateRenewBefore).NextCheck ?? now;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook certificates issued ({Action}) into Secret {Namespace}/{Name}")]
    private static partial void LogIssued(ILogger logger, string action, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook certificates could not be ensured; trying again in {Seconds}s")]
    private static partial void LogFailed(ILogger logger, Exception error, double seconds);
}
