namespace ChunkGate.Sidecar.Configuration;

/// <summary>TLS towards the database, with libpq's meaning of the names.</summary>
internal enum UpstreamSslMode
{
    Disable,
    Require,
    VerifyFull,
}
