namespace ChunkGate.Sidecar.Recording;

/// <summary>Which protocol path carried a statement.</summary>
internal enum StatementProtocol : byte
{
    /// <summary>Query message (one statement of a possibly multi-statement string).</summary>
    Simple = 0,

    /// <summary>Parse/Bind/Execute.</summary>
    Extended = 1,

    /// <summary>COPY … TO STDOUT / FROM STDIN.</summary>
    Copy = 2,
}
