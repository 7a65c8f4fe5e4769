using System.Text;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Hosting;
using ChunkGate.Operator.Webhooks;
using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Certificates;

/// <summary>
/// With <c>--certificate-source=cert-manager</c>: registers the webhooks for cert-manager's CA
/// injector (no caBundle of the operator's own, no CA, no rotation), then serves the certificate
/// cert-manager keeps in the Secret, read again every <see cref="PollInterval"/> and swapped in
/// when it changed (cert-manager renews it well before expiry; a minute's delay is harmless).
/// </summary>
internal sealed partial class CertManagerCertificates(
    IKubernetes client,
    OperatorSettings settings,
    IReadOnlyList<WebhookRoute> routes,
    ServingCertificate serving,
    TimeProvider clock,
    ILogger<CertManagerCertificates> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    private bool registered;
    private string? servedCertificate;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureAsync(stoppingToken);
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, error, PollInterval.TotalSeconds);
            }

            try
            {
                await Task.Delay(PollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One round: register once, then serve what the Secret holds if it changed.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (!registered)
        {
            var (mutating, validating) = WebhookRegistration.Build(settings, routes, caBundlePem: null);
            await WebhookRegistration.ApplyAsync(client, mutating, validating, cancellationToken);
            registered = true;
        }

        var secret = await client.CoreV1.ReadNamespacedSecretAsync(settings.CertificateSecret, settings.OperatorNamespace, cancellationToken: cancellationToken).OrNull();
        string? Read(string key) => secret?.Data is { } data && data.TryGetValue(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
        if (Read(CertificateBundle.CertificateKey) is not { Length: > 0 } certificate || Read(CertificateBundle.KeyKey) is not { Length: > 0 } key)
        {
            LogWaiting(logger, settings.OperatorNamespace, settings.CertificateSecret);
            return;
        }

        if (certificate != servedCertificate)
        {
            serving.Serve(CertificateBundle.LoadServing(certificate, key));
            servedCertificate = certificate;
            LogServing(logger, settings.OperatorNamespace, settings.CertificateSecret);
        }

        serving.MarkRegistered();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the webhook certificate cert-manager wrote into Secret {Namespace}/{Name}")]
    private static partial void LogServing(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for cert-manager to write tls.crt and tls.key into Secret {Namespace}/{Name}")]
    private static partial void LogWaiting(ILogger logger, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "The cert-manager certificate could not be loaded; trying again in {Seconds}s")]
    private static partial void LogFailed(ILogger logger, Exception error, double seconds);
}
