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
    public static (V1MutatingWebhookConfiguration Mutating, V1ValidatingWebhookConfiguration Validating) Build(
        OperatorSettings settings, IReadOnlyList<WebhookRoute> routes, string caBundlePem)
    {
        var caBundle = Encoding.UTF8.GetBytes(caBundlePem);
        var metadata = () => new V1ObjectMeta { Name = settings.WebhookService, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "chunkgate-operator" } };
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
            () => api.ReadMutatingWebhookConfigurationAsync(mutating.Metadata.Name, cancellationToken: cancellationToken).OrNull(),
            () => api.CreateMutatingWebhookConfigurationAsync(mutating, cancellationToken: cancellationToken).Typed(),
            () => api.ReplaceMutatingWebhookConfigurationAsync(mutating, mutating.Metadata.Name, cancellationToken: cancellationToken).Typed());
        await CreateOrReplaceAsync(
            validating,
            () => api.ReadValidatingWebhookConfigurationAsync(validating.Metadata.Name, cancellationToken: cancellationToken).OrNull(),
            () => api.CreateValidatingWebhookConfigurationAsync(validating, cancellationToken: cancellationToken).Typed(),
            () => api.ReplaceValidatingWebhookConfigurationAsync(validating, validating.Metadata.Name, cancellationToken: cancellationToken).Typed());
    }

    /// <summary>Replace carries the stored resourceVersion, so a concurrent writer (another replica) makes it fail and the round is retried.</summary>
    private static async Task CreateOrReplaceAsync<T>(T desired, Func<Task<T?>> read, Func<Task<T>> create, Func<Task<T>> replace)
        where T : class, IMetadata<V1ObjectMeta>
    {
        if (await read() is not { } existing)
        {
            await create();
            return;
        }

        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        await replace();
    }

    /// <summary>Admission covers the watched namespaces only (all when none are listed), as the controller does.</summary>
    private static V1LabelSelector? NamespaceSelector(OperatorSettings settings) =>
        settings.WatchNamespaces.Count == 0
            ? null
            : new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "kubernetes.io/metadata.name", OperatorProperty = "In", Values = [.. settings.WatchNamespaces] }] };
}
