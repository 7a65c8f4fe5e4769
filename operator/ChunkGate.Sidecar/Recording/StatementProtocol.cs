namespace ChunkGate.Sidecar.Recording;

/// <summary>Which protocol path carried a statement.</summary>
internal enum StatementProtocol : byte
{
    /// <summary>Query message: the whole string, one record even when it holds several statements (one <c>statement.end</c> per completion).</summary>
    Simple = 0,

    /// <summary>One Execute: its prepared statement's text and its Bind's parameter shapes.</summary>
    Extended = 1,

    /// <summary>COPY … TO STDOUT / FROM STDIN.</summary>
    Copy = 2,
}
