using System.Globalization;
using System.Net;
using System.Text.Json;

namespace ChunkGate.Sidecar.Configuration;

/// <summary>
/// Reads the sidecar's JSON configuration, applies <c>CHUNKGATE_SIDECAR_*</c> environment
/// overrides and validates it, returning every problem at once rather than the first.
/// </summary>
internal static class SidecarOptionsLoader
{
    public const string EnvironmentPrefix = "CHUNKGATE_SIDECAR_";

    public static (SidecarOptions? Options, IReadOnlyList<string> Errors) Load(string json, Func<string, string?> environment)
    {
        var errors = new List<string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException exception)
        {
            return (null, [$"configuration is not valid JSON: {exception.Message}"]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, ["configuration must be a JSON object"]);
            }

            string? Setting(string env, params string[] path)
            {
                var overridden = environment(EnvironmentPrefix + env);
                if (!string.IsNullOrEmpty(overridden))
                {
                    return overridden;
                }

                var element = root;
                foreach (var name in path)
                {
                    if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                    {
                        return null;
                    }
                }

                return element.ValueKind switch
                {
                    JsonValueKind.String => element.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
                    JsonValueKind.Null => null,
                    _ => Invalid($"{string.Join('.', path)} must be a string, number or boolean"),
                };
            }

            string? Invalid(string error)
            {
                errors.Add(error);
                return null;
            }

            var listen = ParseEndPoint(Setting("LISTEN", "listen") ?? "127.0.0.1:6432", errors);
            var allowNonLoopback = ParseBool(Setting("ALLOW_NON_LOOPBACK_LISTEN", "allowNonLoopbackListen"), "allowNonLoopbackListen", errors);
            if (listen is not null && !IPAddress.IsLoopback(listen.Address) && !allowNonLoopback)
            {
                // Clients of the sidecar give no password: anything that can reach the port reads as the job's role.
                errors.Add($"listen {listen} is not a loopback address: clients of the sidecar need no password, so only the Pod itself may reach it (set allowNonLoopbackListen: true to accept this)");
            }

            var host = Setting("UPSTREAM_HOST", "upstream", "host");
            if (string.IsNullOrWhiteSpace(host))
            {
                errors.Add("upstream.host is required");
            }

            var portText = Setting("UPSTREAM_PORT", "upstream", "port") ?? "5432";
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                errors.Add($"upstream.port must be 1-65535, got '{portText}'");
            }

            var database = Setting("UPSTREAM_DATABASE", "upstream", "database");
            if (string.IsNullOrWhiteSpace(database))
            {
                errors.Add("upstream.database is required");
            }

            var caFile = Setting("UPSTREAM_CAFILE", "upstream", "caFile");
            var sslText = Setting("UPSTREAM_SSLMODE", "upstream", "sslMode");
            UpstreamSslMode sslMode = default;
            switch (sslText?.ToLowerInvariant())
            {
                case null when caFile is not null: sslMode = UpstreamSslMode.VerifyFull; break;
                case null:
                    // The startup packet and the SCRAM exchange would go out in the clear: only by explicit choice.
                    errors.Add("upstream.sslMode is required without upstream.caFile: give a CA for verify-full (the default with a CA), or choose require or disable explicitly");
                    break;
                case "disable": sslMode = UpstreamSslMode.Disable; break;
                case "require": sslMode = UpstreamSslMode.Require; break;
                case "verify-full": sslMode = UpstreamSslMode.VerifyFull; break;
                default: errors.Add($"upstream.sslMode must be disable, require or verify-full, got '{sslText}'"); break;
            }

            var allowMd5 = ParseBool(Setting("UPSTREAM_ALLOW_MD5", "upstream", "allowMd5"), "upstream.allowMd5", errors);
            var allowCleartext = ParseBool(Setting("UPSTREAM_ALLOW_CLEARTEXT", "upstream", "allowCleartext"), "upstream.allowCleartext", errors);

            var usernameFile = Setting("USERNAME_FILE", "credential", "usernameFile") ?? "/var/run/chunkgate/credential/username";
            var passwordFile = Setting("PASSWORD_FILE", "credential", "passwordFile") ?? "/var/run/chunkgate/credential/password";

            DateTimeOffset? expiresAt = null;
            var expiresText = Setting("EXPIRES_AT", "expiresAt");
            if (expiresText is null)
            {
                // A sidecar without a deadline would serve the approved role forever.
                errors.Add("expiresAt is required (the approval's expiry, RFC 3339)");
            }
            else
            {
                if (DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                {
                    expiresAt = parsed;
                }
                else
                {
                    errors.Add($"expiresAt must be an RFC 3339 time, got '{expiresText}'");
                }
            }

            var actionText = Setting("ACTION", "action") ?? "read";
            if (!Enum.TryParse<SessionAction>(actionText, ignoreCase: true, out var action) || !Enum.IsDefined(action) || int.TryParse(actionText, out _))
            {
                errors.Add($"action must be read, export, write or transform, got '{actionText}'");
            }

            JsonElement? masking = null;
            if (root.TryGetProperty("masking", out var maskingElement) && maskingElement.ValueKind != JsonValueKind.Null)
            {
                if (maskingElement.ValueKind != JsonValueKind.Object)
                {
                    errors.Add("masking must be an object");
                }
                else
                {
                    masking = maskingElement.Clone();
                }
            }

            var recordingPath = Setting("RECORDING_PATH", "recording", "path");
            var otlpEndpoint = Setting("OTLP_ENDPOINT", "otlp", "endpoint");
            if (otlpEndpoint is not null && !Uri.TryCreate(otlpEndpoint, UriKind.Absolute, out _))
            {
                errors.Add($"otlp.endpoint must be an absolute URI, got '{otlpEndpoint}'");
            }

            var maxClients = ParsePositive(Setting("MAX_CLIENT_CONNECTIONS", "limits", "maxClientConnections"), "limits.maxClientConnections", 64, errors);
            var startupSeconds = ParsePositive(Setting("STARTUP_TIMEOUT_SECONDS", "limits", "startupTimeoutSeconds"), "limits.startupTimeoutSeconds", 10, errors);
            var maxMessage = ParsePositive(Setting("MAX_INSPECTED_MESSAGE_BYTES", "limits", "maxInspectedMessageBytes"), "limits.maxInspectedMessageBytes", 64 * 1024 * 1024, errors);
            var maxBuffered = ParsePositive(Setting("MAX_BUFFERED_BYTES", "limits", "maxBufferedBytes"), "limits.maxBufferedBytes", 256 * 1024 * 1024, errors);
            var runTrace = RunTraceContext(environment, errors);
            if (errors.Count > 0 || listen is null)
            {
                return (null, errors);
            }

            return (new SidecarOptions(
                listen,
                new UpstreamOptions(host!, port, database!, sslMode, caFile, allowMd5, allowCleartext),
                usernameFile,
                passwordFile,
                expiresAt,
                action,
                masking,
                recordingPath,
                otlpEndpoint)
            {
                RunTraceContext = runTrace,
                MaxClientConnections = maxClients,
                StartupTimeout = TimeSpan.FromSeconds(startupSeconds),
                MaxInspectedMessageBytes = maxMessage,
                MaxBufferedBytes = maxBuffered,
            }, errors);
        }
    }

    /// <summary>
    /// The W3C trace context carried in environment variables (the OpenTelemetry convention for
    /// processes), so the sidecar's spans join the run's trace.
    /// </summary>
    private static System.Diagnostics.ActivityContext RunTraceContext(Func<string, string?> environment, List<string> errors)
    {
        var traceParent = environment("TRACEPARENT");
        if (string.IsNullOrWhiteSpace(traceParent))
        {
            return default;
        }

        if (!System.Diagnostics.ActivityContext.TryParse(traceParent, environment("TRACESTATE"), isRemote: true, out var context))
        {
            errors.Add($"TRACEPARENT must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), got '{traceParent}'");
            return default;
        }

        return context;
    }

    private static IPEndPoint? ParseEndPoint(string text, List<string> errors)
    {
        if (IPEndPoint.TryParse(text, out var endPoint))
        {
            return endPoint;
        }

        errors.Add($"listen must be address:port (e.g. 127.0.0.1:6432), got '{text}'");
        return null;
    }

    private static int ParsePositive(string? text, string name, int fallback, List<string> errors)
    {
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return value;
        }

        errors.Add($"{name} must be a positive whole number, got '{text}'");
        return fallback;
    }

    private static bool ParseBool(string? text, string name, List<string> errors)
    {
        if (text is null)
        {
            return false;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        errors.Add($"{name} must be true or false, got '{text}'");
        return false;
    }
}
