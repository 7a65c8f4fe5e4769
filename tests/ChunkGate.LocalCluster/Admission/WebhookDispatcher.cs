using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;
using ChunkGate.LocalCluster.Patching;
using ChunkGate.LocalCluster.Storage;

namespace ChunkGate.LocalCluster.Admission;

/// <summary>
/// Calls the admission webhooks configured in Mutating/ValidatingWebhookConfiguration objects:
/// AdmissionReview v1 over HTTPS verified against each webhook's caBundle, mutating webhooks in order
/// (their JSON patches applied), then validating ones; denials and failures are reported with the
/// real API server's messages and honour <c>failurePolicy</c>. A webhook given as a Service is
/// reached on the loopback at the service port, with TLS verified for <c>name.namespace.svc</c>.
/// </summary>
internal sealed class WebhookDispatcher(ObjectStore store) : IAdmissionChain, IDisposable
{
    private readonly ConcurrentDictionary<string, HttpClient> clients = new(StringComparer.Ordinal);

    public async Task<JsonObject?> MutateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken)
    {
        var current = attributes.Object;
        foreach (var (configuration, webhook) in Webhooks(BuiltInResources.MutatingWebhookConfigurations, attributes))
        {
            _ = configuration;
            var response = await CallAsync(webhook, attributes with { Object = current }, cancellationToken);
            if (response is null)
            {
                continue;
            }

            if (ObjectFields.StringAt(response, "patch") is { Length: > 0 } patch && current is not null)
            {
                if (ObjectFields.StringAt(response, "patchType") is not (null or "JSONPatch"))
                {
                    throw ApiError.Internal($"failed calling webhook \"{WebhookName(webhook)}\": unsupported patch type \"{ObjectFields.StringAt(response, "patchType")}\"");
                }

                var operations = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(patch)));
                current = JsonPatch.Apply(current, operations) as JsonObject ?? current;
            }
        }

        return current;
    }

    public async Task ValidateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken)
    {
        var calls = Webhooks(BuiltInResources.ValidatingWebhookConfigurations, attributes)
            .Select(pair => CallAsync(pair.Webhook, attributes, cancellationToken))
            .ToList();
        await Task.WhenAll(calls);
    }

    private List<(JsonObject Configuration, JsonObject Webhook)> Webhooks(ResourceType configurationType, AdmissionAttributes attributes)
    {
        // Webhook configurations are never themselves subject to webhooks (so a broken webhook can always be removed).
        if (attributes.Type == BuiltInResources.MutatingWebhookConfigurations || attributes.Type == BuiltInResources.ValidatingWebhookConfigurations)
        {
            return [];
        }

        var namespaceLabels = NamespaceLabels(attributes);
        return store.List(configurationType, null).Items
            .SelectMany(configuration => (configuration["webhooks"] as JsonArray ?? []).OfType<JsonObject>().Select(webhook => (configuration, webhook)))
            .Where(pair => WebhookRules.Matches(pair.webhook, attributes, namespaceLabels))
            .ToList();
    }

    private IReadOnlyDictionary<string, string>? NamespaceLabels(AdmissionAttributes attributes)
    {
        if (attributes.Type == BuiltInResources.Namespaces)
        {
            return ObjectFields.Labels(attributes.Object ?? attributes.OldObject ?? new JsonObject());
        }

        if (!attributes.Type.Namespaced)
        {
            return null;
        }

        var ns = store.Get(BuiltInResources.Namespaces, "", attributes.Namespace);
        return ns is null ? new Dictionary<string, string>() : ObjectFields.Labels(ns);
    }

    /// <summary>Calls one webhook; returns its response, or null when it failed and failurePolicy is Ignore. Throws on denial.</summary>
    private async Task<JsonObject?> CallAsync(JsonObject webhook, AdmissionAttributes attributes, CancellationToken cancellationToken)
    {
        var name = WebhookName(webhook);
        var uid = Guid.NewGuid().ToString();
        var review = Review(uid, attributes);
        JsonObject response;
        try
        {
            var (client, url) = Client(webhook);
            var timeout = TimeSpan.FromSeconds(webhook["timeoutSeconds"]?.GetValue<int>() ?? 10);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
            using var reply = await client.PostAsync(url, content, deadline.Token);
            var body = await reply.Content.ReadAsStringAsync(deadline.Token);
            if (!reply.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"the server responded with status {(int)reply.StatusCode}: {Truncate(body)}");
            }

            response = JsonNode.Parse(body)?["response"] as JsonObject ?? throw new HttpRequestException("webhook response was absent");
            if (ObjectFields.StringAt(response, "uid") != uid)
            {
                throw new HttpRequestException($"expected response.uid=\"{uid}\", got \"{ObjectFields.StringAt(response, "uid")}\"");
            }
        }
        catch (Exception error) when (error is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or UriFormatException
                                      && !cancellationToken.IsCancellationRequested)
        {
            if (ObjectFields.StringAt(webhook, "failurePolicy") == "Ignore")
            {
                return null;
            }

            var reason = error is OperationCanceledException ? "context deadline exceeded" : error.Message;
            throw ApiError.Internal($"failed calling webhook \"{name}\": failed to call webhook: {reason}");
        }

        foreach (var warning in (response["warnings"] as JsonArray ?? []).Select(w => w?.GetValue<string>() ?? ""))
        {
            attributes.Warnings.Add(warning);
        }

        if (response["allowed"]?.GetValue<bool>() != true)
        {
            throw Denial(name, response["status"] as JsonObject);
        }

        return response;
    }

    /// <summary>k8s.io/apiserver/pkg/admission/plugin/webhook/errors.ToStatusErr.</summary>
    private static ApiError Denial(string webhookName, JsonObject? status)
    {
        var deniedBy = $"admission webhook \"{webhookName}\" denied the request";
        var code = status?["code"]?.GetValue<int>() ?? 0;
        if (code < 400)
        {
            code = 403;
        }

        var reason = ObjectFields.StringAt(status, "reason") ?? "";
        var message = ObjectFields.StringAt(status, "message") ?? "";
        var text = message.Length > 0 ? $"{deniedBy}: {message}" : reason.Length > 0 ? $"{deniedBy}: {reason}" : $"{deniedBy} without explanation";
        return new ApiError(code, reason, text, status?["details"]?.DeepClone() as JsonObject);
    }

    private static JsonObject Review(string uid, AdmissionAttributes a)
    {
        var type = a.Type;
        var kind = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };
        var resource = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["resource"] = type.Plural };
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
        };
        if (a.Subresource.Length > 0)
        {
            request["subResource"] = a.Subresource;
        }

        request["requestKind"] = kind.DeepClone();
        request["requestResource"] = resource.DeepClone();
        if (a.Subresource.Length > 0)
        {
            request["requestSubResource"] = a.Subresource;
        }

        if (a.Name.Length > 0)
        {
            request["name"] = a.Name;
        }

        if (a.Namespace.Length > 0)
        {
            request["namespace"] = a.Namespace;
        }

        request["operation"] = a.Operation;
        request["userInfo"] = a.User.ToJson();
        request["object"] = a.Object?.DeepClone();
        request["oldObject"] = a.OldObject?.DeepClone();
        request["dryRun"] = a.DryRun;
        request["options"] = a.Options.DeepClone();
        return new JsonObject { ["kind"] = "AdmissionReview", ["apiVersion"] = "admission.k8s.io/v1", ["request"] = request };
    }

    private (HttpClient Client, Uri Url) Client(JsonObject webhook)
    {
        var config = webhook["clientConfig"] as JsonObject ?? throw new HttpRequestException("webhook has no clientConfig");
        Uri url;
        if (ObjectFields.StringAt(config, "url") is { Length: > 0 } direct)
        {
            url = new Uri(direct);
        }
        else if (config["service"] is JsonObject service)
        {
            var port = service["port"]?.GetValue<int>() ?? 443;
            url = new Uri($"https://{ObjectFields.StringAt(service, "name")}.{ObjectFields.StringAt(service, "namespace")}.svc:{port}{ObjectFields.StringAt(service, "path") ?? "/"}");
        }
        else
        {
            throw new HttpRequestException("webhook clientConfig has neither url nor service");
        }

        var caBundle = ObjectFields.StringAt(config, "caBundle") ?? "";
        return (clients.GetOrAdd(caBundle, CreateClient), url);
    }

    private static HttpClient CreateClient(string caBundleBase64)
    {
        X509Certificate2Collection? roots = null;
        if (caBundleBase64.Length > 0)
        {
            roots = [];
            roots.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(caBundleBase64)));
        }

        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Verify(certificate, errors, roots),
            },
            ConnectCallback = async (context, cancellationToken) =>
            {
                // Service references have no cluster DNS here: reach them on the loopback, keep the name for TLS.
                var host = context.DnsEndPoint.Host.EndsWith(".svc", StringComparison.Ordinal) ? "127.0.0.1" : context.DnsEndPoint.Host;
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(host, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // HTTP/2 where the webhook offers it, as the API server's clients do: concurrent reviews
        // share one connection instead of a TLS handshake each (100 approvals at once made 100).
        return new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    private static bool Verify(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection? roots)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        if (roots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    private static string WebhookName(JsonObject webhook) => ObjectFields.StringAt(webhook, "name") ?? "";

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }
}
