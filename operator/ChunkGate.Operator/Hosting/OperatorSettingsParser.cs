using System.Text.RegularExpressions;
using ChunkGate.Api.Durations;

namespace ChunkGate.Operator.Hosting;

/// <summary>
/// Reads <see cref="OperatorSettings"/> from flags (<c>--watch-namespaces=a,b</c> or <c>--watch-namespaces a,b</c>)
/// over environment variables (<c>CHUNKGATE_WATCH_NAMESPACES</c>) over defaults. The first bad value
/// is returned as one line naming the setting, so the process can stop before doing anything.
/// </summary>
internal static partial class OperatorSettingsParser
{
    private static readonly string[] Known =
    [
        "watch-namespaces", "operator-namespace", "operator-identity", "runner-image", "sidecar-image",
        "leader-election-lease", "gitops-identities", "admin-groups", "webhook-port", "health-port",
        "webhook-service", "certificate-secret", "certificate-source", "cert-manager-certificate", "certificate-validity", "certificate-renew-before",
        "shutdown-timeout", "kubeconfig", "context",
    ];

    public static (OperatorSettings? Settings, string? Error) Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        if (!TryReadFlags(args, out var flags, out var flagError))
        {
            return (null, flagError);
        }

        var values = new Values(flags, environment);
        try
        {
            var operatorNamespace = values.Name("operator-namespace", environment("POD_NAMESPACE") is { Length: > 0 } pod ? pod : "chunkgate-system");
            var validity = values.Duration("certificate-validity", "2160h", TimeSpan.FromHours(1));
            var renewBefore = values.Duration("certificate-renew-before", "720h", TimeSpan.FromMinutes(1));
            if (renewBefore >= validity)
            {
                throw new SettingException("certificate-renew-before", $"must be shorter than certificate-validity ({KubeDuration.Format(validity)})", KubeDuration.Format(renewBefore));
            }

            var webhookPort = values.Port("webhook-port", 9443);
            var healthPort = values.Port("health-port", 8081);
            if (webhookPort == healthPort)
            {
                throw new SettingException("health-port", "must differ from webhook-port", healthPort.ToString());
            }

            var settings = new OperatorSettings
            {
                WatchNamespaces = values.List("watch-namespaces", "", IsDnsLabel, "a comma-separated list of namespace names (empty for all namespaces)"),
                OperatorNamespace = operatorNamespace,
                OperatorIdentity = values.Text("operator-identity", $"system:serviceaccount:{operatorNamespace}:chunkgate-operator"),
                RunnerImage = values.Image("runner-image", "chunkgate/runner:dev"),
                SidecarImage = values.Image("sidecar-image", "chunkgate/sidecar:dev"),
                LeaderElectionLease = values.Name("leader-election-lease", "chunkgate-operator"),
                GitOpsIdentities = values.List("gitops-identities", "", name => !name.Any(char.IsWhiteSpace), "a comma-separated list of user names"),
                AdminGroups = values.List("admin-groups", "system:masters", name => !name.Any(char.IsWhiteSpace), "a comma-separated list of group names"),
                WebhookPort = webhookPort,
                HealthPort = healthPort,
                WebhookService = values.Name("webhook-service", "chunkgate-webhook"),
                CertificateSecret = values.Name("certificate-secret", "chunkgate-webhook-tls"),
                CertificateSource = values.Optional("certificate-source") switch
                {
                    null or "self" => Certificates.CertificateSource.Self,
                    "cert-manager" => Certificates.CertificateSource.CertManager,
                    var other => throw new SettingException("certificate-source", "must be self or cert-manager", other),
                },
                CertManagerCertificate = values.Name("cert-manager-certificate", "chunkgate-webhook"),
                CertificateValidity = validity,
                CertificateRenewBefore = renewBefore,
                ShutdownTimeout = values.Duration("shutdown-timeout", "30s", TimeSpan.FromSeconds(1)),
                Kubeconfig = values.Optional("kubeconfig"),
                KubeContext = values.Optional("context"),
            };
            if (settings.Kubeconfig is { } path && !File.Exists(path))
            {
                throw new SettingException("kubeconfig", "names no readable file", path);
            }

            return (settings, null);
        }
        catch (SettingException error)
        {
            return (null, error.Message);
        }
    }

    private static bool TryReadFlags(IReadOnlyList<string> args, out Dictionary<string, string> flags, out string? error)
    {
        flags = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                error = $"unexpected argument \"{arg}\": settings are given as --name=value";
                return false;
            }

            var eq = arg.IndexOf('=');
            var name = eq < 0 ? arg[2..] : arg[2..eq];
            if (!Known.Contains(name))
            {
                error = $"unknown flag --{name}; known: {string.Join(", ", Known.Select(k => "--" + k))}";
                return false;
            }

            if (eq >= 0)
            {
                flags[name] = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                flags[name] = args[++i];
            }
            else
            {
                error = $"flag --{name} needs a value";
                return false;
            }
        }

        return true;
    }

    private static bool IsDnsLabel(string text) => DnsLabel().IsMatch(text);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    // A loose image reference: registry/path:tag or @digest, no spaces or upper case.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9._\-/:]*(@sha256:[0-9a-f]{64})?$")]
    private static partial Regex ImageReference();

    public static string EnvironmentName(string setting) => "CHUNKGATE_" + setting.Replace('-', '_').ToUpperInvariant();

    private sealed class SettingException(string setting, string problem, string value)
        : Exception($"invalid setting --{setting} ({EnvironmentName(setting)}): {problem}, got \"{value}\"");

    private sealed class Values(Dictionary<string, string> flags, Func<string, string?> environment)
    {
        public string? Optional(string setting) =>
            flags.TryGetValue(setting, out var flag) ? flag
            : environment(EnvironmentName(setting)) is { Length: > 0 } env ? env
            : null;

        public string Text(string setting, string fallback)
        {
            var value = Optional(setting) ?? fallback;
            return value.Trim().Length == 0 || value.Any(char.IsWhiteSpace)
                ? throw new SettingException(setting, "must be a non-empty value without spaces", value)
                : value;
        }

        public string Name(string setting, string fallback)
        {
            var value = Optional(setting) ?? fallback;
            return IsDnsLabel(value) ? value : throw new SettingException(setting, "must be a DNS label (lower-case letters, digits and '-', at most 63)", value);
        }

        public string Image(string setting, string fallback)
        {
            var value = Optional(setting) ?? fallback;
            return ImageReference().IsMatch(value) ? value : throw new SettingException(setting, "must be a container image reference (registry/name:tag)", value);
        }

        public int Port(string setting, int fallback)
        {
            var text = Optional(setting);
            if (text is null)
            {
                return fallback;
            }

            return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
                ? port
                : throw new SettingException(setting, "must be a port number between 1 and 65535", text);
        }

        public TimeSpan Duration(string setting, string fallback, TimeSpan minimum)
        {
            var text = Optional(setting) ?? fallback;
            if (!KubeDuration.TryParse(text, out var value, out var error))
            {
                throw new SettingException(setting, $"must be a duration (90s, 10m, 1h30m): {error}", text);
            }

            return value < minimum ? throw new SettingException(setting, $"must be at least {KubeDuration.Format(minimum)}", text) : value;
        }

        public IReadOnlyList<string> List(string setting, string fallback, Func<string, bool> valid, string expected)
        {
            var text = Optional(setting) ?? fallback;
            var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return items.All(valid) ? items.Distinct(StringComparer.Ordinal).ToList() : throw new SettingException(setting, $"must be {expected}", text);
        }
    }
}
