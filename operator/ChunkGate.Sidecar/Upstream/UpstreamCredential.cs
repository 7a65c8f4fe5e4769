namespace ChunkGate.Sidecar.Upstream;

/// <summary>The ephemeral role's login. Never logged, never written to a recording or a span.</summary>
internal sealed record UpstreamCredential(string Username, string Password)
{
    /// <summary>Reads the credential files (re-read per session so a rotated credential is picked up).</summary>
    public static async Task<UpstreamCredential> ReadAsync(string usernameFile, string passwordFile, CancellationToken cancellationToken)
    {
        var username = (await File.ReadAllTextAsync(usernameFile, cancellationToken).ConfigureAwait(false)).TrimEnd('\r', '\n');
        var password = (await File.ReadAllTextAsync(passwordFile, cancellationToken).ConfigureAwait(false)).TrimEnd('\r', '\n');
        return new UpstreamCredential(username, password);
    }

    public override string ToString() => $"UpstreamCredential {{ Username = {Username}, Password = *** }}";
}
