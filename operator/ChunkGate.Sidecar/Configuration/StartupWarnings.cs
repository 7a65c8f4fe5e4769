namespace ChunkGate.Sidecar.Configuration;

/// <summary>
/// What a valid configuration leaves switched off, said plainly at start-up: a sidecar that
/// passes raw rows or keeps no record must not look like one that masks and records.
/// </summary>
internal static class StartupWarnings
{
    public static IReadOnlyList<string> Of(SidecarOptions options)
    {
        var warnings = new List<string>();
        if (options.Masking is null)
        {
            warnings.Add("masking is OFF: no masking policy is configured, rows reach the client as stored");
        }

        if (options.RecordingPath is null && options.OtlpEndpoint is null)
        {
            warnings.Add("recording is OFF: neither recording.path nor otlp.endpoint is configured, statements are not recorded");
        }

        switch (options.Upstream.SslMode)
        {
            case UpstreamSslMode.Disable:
                warnings.Add("upstream TLS is OFF (sslMode disable): the startup packet and the SCRAM exchange cross the network in the clear");
                break;
            case UpstreamSslMode.Require:
                warnings.Add("upstream TLS does not verify the server (sslMode require): an impostor with any certificate is accepted; SCRAM still proves the server knows the password");
                break;
        }

        if (options.Upstream.AllowMd5 || options.Upstream.AllowCleartext)
        {
            warnings.Add("upstream password authentication other than SCRAM is allowed (allowMd5/allowCleartext): the server is not made to prove it knows the password");
        }

        if (!System.Net.IPAddress.IsLoopback(options.Listen.Address))
        {
            warnings.Add($"listening on {options.Listen}, beyond loopback (allowNonLoopbackListen): anything that reaches this port uses the job's database role without a password");
        }

        return warnings;
    }
}
