using System.Text;
using ChunkGate.Api;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Hosting;
using ChunkGate.Operator.Webhooks;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Certificates;

/// <summary>
/// The operator's Mutating/ValidatingWebhookConfiguration, built from <see cref="WebhookRoute"/>s and
/// written (created or replaced) with the current caBundle. <c>failurePolicy: Fail</c>: when the
/// webhook is down, nothing unvetted gets in.
/// </summary>
internal static class WebhookRegistration
{
    /// <summary>The annotation that asks cert-manager's CA injector to fill caBundle from a Certificate's CA.</summary>
    public const string InjectCaFrom = "cert-manager.io/inject-ca-from";

    /// <param name="caBundlePem">Null with cert-manager: its CA injector writes caBundle, and a replace keeps what it wrote.</param>
    public static (V1MutatingWebhookConfiguration Mutating, V1ValidatingWebhookConfiguration Validating) Build(
        OperatorSettings settings, IReadOnlyList<WebhookRoute> routes, string? caBundlePem)
    {
        var caBundle = caBundlePem is null ? null : Encoding.UTF8.GetBytes(caBundlePem);
        var annotations = settings.CertificateSource == CertificateSource.CertManager
            ? new Dictionary<string, string> { [InjectCaFrom] = $"{settings.OperatorNamespace}/{settings.CertManagerCertificate}" }
            : null;
        var metadata = () => new V1ObjectMeta
        {
            Name = settings.WebhookService,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "chunkgate-operator" },
            Annotations = annotations,
        };
        Admissionregistrationv1WebhookClientConfig Client(WebhookRoute route) => new()
        {
            CaBundle = caBundle,
            Service = new Admissionregistrationv1ServiceReference { Name = settings.WebhookService, NamespaceProperty = settings.OperatorNamespace, Path = route.Path, Port = settings.WebhookPort },
        };
        V1RuleWithOperations Rule(WebhookRoute route) => new()
        {
            ApiGroups = [ApiGroup.Name],
            ApiVersions = [ApiGroup.Version],
            Resources = [.. route.Resources],
            Operations = [.. route.Operations],
            Scope = "Namespaced",
        };
        var namespaces = NamespaceSelector(settings);
        var mutating = new V1MutatingWebhookConfiguration
        {
            ApiVersion = "admissionregistration.k8s.io/v1",
            Kind = "MutatingWebhookConfiguration",
            Metadata = metadata(),
            Webhooks = routes.Where(r => r.Mutating).Select(route => new V1MutatingWebhook
            {
                Name = route.Name,
                AdmissionReviewVersions = ["v1"],
                SideEffects = "None",
                FailurePolicy = "Fail",
                TimeoutSeconds = 10,
                ClientConfig = Client(route),
                Rules = [Rule(route)],
                NamespaceSelector = namespaces,
            }).ToList(),
        };
        var validating = new V1ValidatingWebhookConfiguration
        {
            ApiVersion = "admissionregistration.k8s.io/v1",
            Kind = "ValidatingWebhookConfiguration",
            Metadata = metadata(),
            Webhooks = routes.Where(r => !r.Mutating).Select(route => new V1ValidatingWebhook
            {
                Name = route.Name,
                AdmissionReviewVersions = ["v1"],
                SideEffects = "None",
                FailurePolicy = "Fail",
                TimeoutSeconds = 10,
                ClientConfig = Client(route),
                Rules = [Rule(route)],
                NamespaceSelector = namespaces,
            }).ToList(),
        };
        return (mutating, validating);
    }

    public static async Task ApplyAsync(IKubernetes client, V1MutatingWebhookConfiguration mutating, V1ValidatingWebhookConfiguration validating, CancellationToken cancellationToken)
    {
        var api = client.AdmissionregistrationV1;
        await CreateOrReplaceAsync(
            mutating,
            (existing, desired) => KeepInjectedCa(existing.Webhooks, desired.Webhooks, w => w.Name, w => w.ClientConfig),
            () => api.ReadMutatingWebhookConfigurationAsync(mutating.Metadata.Name, cancellationToken: cancellationToken).OrNull(),
            () => api.CreateMutatingWebhookConfigurationAsync(mutating, cancellationToken: cancellationToken).Typed(),
            () => api.ReplaceMutatingWebhookConfigurationAsync(mutating, mutating.Metadata.Name, cancellationToken: cancellationToken).Typed());
        await CreateOrReplaceAsync(
            validating,
            (existing, desired) => KeepInjectedCa(existing.Webhooks, desired.Webhooks, w => w.Name, w => w.ClientConfig),
            () => api.ReadValidatingWebhookConfigurationAsync(validating.Metadata.Name, cancellationToken: cancellationToken).OrNull(),
            () => api.CreateValidatingWebhookConfigurationAsync(validating, cancellationToken: cancellationToken).Typed(),
            () => api.ReplaceValidatingWebhookConfigurationAsync(validating, validating.Metadata.Name, cancellationToken: cancellationToken).Typed());
    }

    /// <summary>Replace carries the stored resourceVersion, so a concurrent writer (another replica) makes it fail and the round is retried.</summary>
    private static async Task CreateOrReplaceAsync<T>(T desired, Action<T, T> keep, Func<Task<T?>> read, Func<Task<T>> create, Func<Task<T>> replace)
        where T : class, IMetadata<V1ObjectMeta>
    {
        if (await read() is not { } existing)
        {
            await create();
            return;
        }

        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        keep(existing, desired);
        await replace();
    }

    /// <summary>A webhook whose caBundle the operator does not write keeps the one stored (cert-manager's CA injector wrote it).</summary>
    private static void KeepInjectedCa<TWebhook>(IList<TWebhook>? existing, IList<TWebhook>? desired, Func<TWebhook, string> name, Func<TWebhook, Admissionregistrationv1WebhookClientConfig> client)
        where TWebhook : class
    {
        foreach (var webhook in desired ?? [])
        {
            if (client(webhook).CaBundle is null && (existing ?? []).FirstOrDefault(old => name(old) == name(webhook)) is { } stored)
            {
                client(webhook).CaBundle = client(stored).CaBundle;
            }
        }
    }

    /// <summary>Admission covers the watched namespaces only (all when none are listed), as the controller does.</summary>
    private static V1LabelSelector? NamespaceSelector(OperatorSettings settings) =>
        settings.WatchNamespaces.Count == 0
            ? null
            : new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "kubernetes.io/metadata.name", OperatorProperty = "In", Values = [.. settings.WatchNamespaces] }] };
}
