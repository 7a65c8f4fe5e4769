using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Sidecar.Recording;
using ChunkGate.Sidecar.Upstream;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>
/// Builds masking and recording for each session: the policy is parsed once at start-up (a bad
/// policy stops the sidecar), column rules are resolved through the catalog once per session
/// with the session's own credential.
/// </summary>
internal sealed class SessionFeatureFactory(SidecarOptions options, MaskingPolicy policy, TimeProvider time, ILogger logger, ILogger? recordingLog) : ISessionFeatureFactory, IAsyncDisposable
{
    private readonly SemaphoreSlim recorderLock = new(1, 1);
    private readonly SharedConnection catalog = new(credential => ControlConnectionString.For(options, credential, "catalog"));
    private SessionRecorder? recorder;

    /// <summary>Null when neither masking, recording nor tracing is configured (pure pass-through).</summary>
    /// <exception cref="MaskingPolicyException">The masking section is invalid.</exception>
    /// <param name="recordingLog">Where the recording also goes as log records (OTLP); null for none.</param>
    public static ISessionFeatureFactory? Create(SidecarOptions options, TimeProvider time, ILogger logger, ILogger? recordingLog = null)
    {
        var policy = options.Masking is { } masking ? MaskingPolicy.Parse(masking) : MaskingPolicy.None;
        if (policy.IsEmpty && options.RecordingPath is null && options.OtlpEndpoint is null)
        {
            return null;
        }

        return new SessionFeatureFactory(options, policy, time, logger, recordingLog);
    }

    public async Task<SessionFeatures> CreateAsync(UpstreamCredential credential, CancellationToken cancellationToken)
    {
        CatalogLease? lease = null;
        var columns = MaskedColumnSet.Empty;
        if (policy.Columns.Count > 0)
        {
            // Resolved per session (a transform session may have changed tables or views since), on the shared connection.
            lease = new CatalogLease(catalog, credential);
            var resolution = await lease.UseAsync((connection, token) => CatalogResolver.ResolveAsync(connection, policy, token), cancellationToken).ConfigureAwait(false);
            foreach (var warning in resolution.Warnings)
            {
                logger.LogWarning("{Warning}", warning);
            }

            columns = resolution.Columns;
        }

        var shared = await RecorderAsync(columns).ConfigureAwait(false);
        var recording = shared?.StartSession(new SessionInfo(
            User: credential.Username,
            Database: options.Upstream.Database,
            Action: options.Action.ToString().ToLowerInvariant(),
            ExpiresAt: options.ExpiresAt,
            TraceId: options.RunTraceContext == default ? null : options.RunTraceContext.TraceId.ToString()));
        var session = new MaskedSession(new ResultMasker(policy, columns), lease, recording, options.RunTraceContext);
        var masks = !policy.IsEmpty;
        return new SessionFeatures(
            Filter: session,
            Statements: session,
            Results: session,
            Lifetime: session,
            CopyGate: masks ? session : null);
    }

    /// <summary>
    /// One recorder (one file and/or log records, one writer) for every connection of this sidecar,
    /// opened with the first session's resolved columns (all sessions share the database and policy).
    /// </summary>
    private async Task<SessionRecorder?> RecorderAsync(MaskedColumnSet columns)
    {
        if (options.RecordingPath is null && recordingLog is null)
        {
            return null;
        }

        await recorderLock.WaitAsync().ConfigureAwait(false);
        try
        {
            return recorder ??= SessionRecorder.Open(options.RecordingPath, new StatementTextMasker(columns, policy.Detectors), time, logRecords: recordingLog, runTrace: options.RunTraceContext);
        }
        finally
        {
            recorderLock.Release();
        }
    }

    /// <summary>Flushes and closes the recording.</summary>
    public async ValueTask DisposeAsync()
    {
        if (recorder is not null)
        {
            await recorder.DisposeAsync().ConfigureAwait(false);
        }

        recorderLock.Dispose();
        await catalog.DisposeAsync().ConfigureAwait(false);
    }
}
