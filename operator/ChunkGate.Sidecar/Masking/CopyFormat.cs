namespace ChunkGate.Sidecar.Masking;

/// <summary>The data format of a <c>COPY ... TO STDOUT</c>, as the COPY statement chose it.</summary>
internal enum CopyFormat : byte
{
    /// <summary>Tab-separated (or the statement's DELIMITER), <c>\N</c> for NULL, backslash escapes; one row per CopyData.</summary>
    Text = 0,

    /// <summary>CSV: comma (or DELIMITER) separated, double-quote quoting, empty unquoted value for NULL; one row per CopyData.</summary>
    Csv = 1,

    /// <summary>Binary COPY: not rewritten by the masker (the proxy refuses it while masking is on).</summary>
    Binary = 2,
}
