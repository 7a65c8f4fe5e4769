using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using ChunkGate.Kubernetes.Models;

namespace ChunkGate.Kubernetes.Configuration;

/// <summary>
/// Runs an exec credential plugin (client.authentication.k8s.io/v1) and caches what it returns
/// until its <c>expirationTimestamp</c>; without one, until the server answers 401. Plugin output
/// is never logged or echoed in errors, since it holds the credential.
/// </summary>
internal sealed class ExecCredentialProvider(
    ExecPluginConfig config,
    ExecClusterInfo clusterInfo,
    TimeProvider timeProvider) : ICredentialProvider
{
    private static readonly TimeSpan PluginTimeout = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim gate = new(1, 1);
    private AuthenticationHeaderValue? header;
    private X509Certificate2? certificate;
    private DateTimeOffset? expiresAt;
    private bool cached;

    /// <summary>How many times the plugin has run; lets tests observe caching.</summary>
    public int Runs { get; private set; }

    public X509Certificate2? CurrentClientCertificate => certificate;

    public async ValueTask<AuthenticationHeaderValue?> GetAuthorizationAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!cached || (expiresAt is { } expiry && timeProvider.GetUtcNow() >= expiry))
            {
                await RunPluginAsync(cancellationToken).ConfigureAwait(false);
            }

            return header;
        }
        finally
        {
            gate.Release();
        }
    }

    public bool Invalidate()
    {
        cached = false;
        return true;
    }

    public string Describe() => $"exec plugin {Path.GetFileName(config.Command)}";

    private async Task RunPluginAsync(CancellationToken cancellationToken)
    {
        var where = $"{config.SourceFile}: users[\"{config.UserName}\"].user.exec";
        if (config.InteractiveMode == "Always")
        {
            throw new KubeConfigException($"{where}.interactiveMode is Always, but the operator has no terminal; use Never or IfAvailable");
        }

        var start = new ProcessStartInfo(config.Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in config.Args)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in config.Env)
        {
            start.Environment[name] = value;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] = JsonSerializer.Serialize(
            new ExecCredentialDocument
            {
                ApiVersion = config.ApiVersion,
                Kind = "ExecCredential",
                Spec = new ExecCredentialSpec { Interactive = false, Cluster = config.ProvideClusterInfo ? clusterInfo : null },
            },
            KubernetesJsonContext.Default.ExecCredentialDocument);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            var hint = config.InstallHint is { Length: > 0 } installHint ? $"; {installHint.Trim()}" : "";
            throw new KubeConfigException($"{where}.command '{config.Command}' cannot be started: {ex.Message}{hint}", ex);
        }

        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PluginTimeout);
        var stdoutTask = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderrTask = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var stdout = await stdoutTask.ConfigureAwait(false);
        _ = await stderrTask.ConfigureAwait(false);
        Runs++;
        if (process.ExitCode != 0)
        {
            throw new KubeConfigException($"{where}: plugin '{config.Command}' exited with code {process.ExitCode}");
        }

        ApplyOutput(stdout, where);
    }

    private void ApplyOutput(string stdout, string where)
    {
        ExecCredentialDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(stdout, KubernetesJsonContext.Default.ExecCredentialDocument);
        }
        catch (JsonException)
        {
            throw new KubeConfigException($"{where}: plugin output is not an ExecCredential JSON document");
        }

        if (document is null || document.Kind != "ExecCredential")
        {
            throw new KubeConfigException($"{where}: plugin output has kind '{document?.Kind}', expected ExecCredential");
        }

        if (document.ApiVersion != config.ApiVersion)
        {
            throw new KubeConfigException($"{where}: plugin returned apiVersion '{document.ApiVersion}', but the kubeconfig asks for '{config.ApiVersion}'");
        }

        var status = document.Status ?? throw new KubeConfigException($"{where}: plugin output has no status");
        var hasCertificate = !string.IsNullOrEmpty(status.ClientCertificateData) || !string.IsNullOrEmpty(status.ClientKeyData);
        if (hasCertificate && (string.IsNullOrEmpty(status.ClientCertificateData) || string.IsNullOrEmpty(status.ClientKeyData)))
        {
            throw new KubeConfigException($"{where}: plugin status must set both clientCertificateData and clientKeyData, or neither");
        }

        if (string.IsNullOrEmpty(status.Token) && !hasCertificate)
        {
            throw new KubeConfigException($"{where}: plugin status has neither token nor clientCertificateData/clientKeyData");
        }

        header = string.IsNullOrEmpty(status.Token) ? null : new AuthenticationHeaderValue("Bearer", status.Token);
        certificate = hasCertificate ? ClientCertificates.FromPem(status.ClientCertificateData!, status.ClientKeyData!, where + " (plugin status)") : null;
        expiresAt = status.ExpirationTimestamp;
        cached = true;
    }
}
