using System.Net;
using System.Text.Json;

namespace ChunkGate.Sidecar.Configuration;

/// <summary>Where the database is and which authentication the sidecar accepts from it.</summary>
internal sealed record UpstreamOptions(
    string Host,
    int Port,
    string Database,
    UpstreamSslMode SslMode,
    string? CaFile,
    bool AllowMd5,
    bool AllowCleartext);

/// <summary>Everything one sidecar process runs with, validated (see <see cref="SidecarOptionsLoader"/>).</summary>
internal sealed record SidecarOptions(
    IPEndPoint Listen,
    UpstreamOptions Upstream,
    string UsernameFile,
    string PasswordFile,
    DateTimeOffset? ExpiresAt,
    SessionAction Action,
    JsonElement? Masking,
    string? RecordingPath,
    string? OtlpEndpoint)
{
    /// <summary>
    /// Largest message the sidecar buffers whole to inspect or rewrite it (statements, row
    /// descriptions, errors, masked rows). Pass-through messages of any size are streamed.
    /// </summary>
    public int MaxInspectedMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Bytes all sessions together may hold to inspect or rewrite messages larger than the read
    /// buffer (see <see cref="Sessions.BufferBudget"/>): a session that finds no room within
    /// <see cref="BufferWait"/> ends with 53200, the process keeps serving the others.
    /// </summary>
    public long MaxBufferedBytes { get; init; } = 256 * 1024 * 1024;

    /// <summary>How long a session waits for buffer budget other sessions are about to give back.</summary>
    public TimeSpan BufferWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Client connections served at once; more are answered 53300 and closed (each holds a database backend).</summary>
    public int MaxClientConnections { get; init; } = 64;

    /// <summary>How long a client may take to send its startup packet: a half-open connection is closed after it.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The run's trace (W3C <c>TRACEPARENT</c>/<c>TRACESTATE</c> in the environment, set by the
    /// operator on the run Pod), parent of every statement span; default when there is none.
    /// </summary>
    public System.Diagnostics.ActivityContext RunTraceContext { get; init; }
}
