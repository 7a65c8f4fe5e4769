namespace ChunkGate.Sidecar.Protocol;

/// <summary>Type bytes of messages a PostgreSQL client sends after the startup packet (protocol v3).</summary>
internal enum FrontendCode : byte
{
    Bind = (byte)'B',
    Close = (byte)'C',
    CopyData = (byte)'d',
    CopyDone = (byte)'c',
    CopyFail = (byte)'f',
    Describe = (byte)'D',
    Execute = (byte)'E',
    Flush = (byte)'H',
    FunctionCall = (byte)'F',
    Parse = (byte)'P',
    /// <summary>PasswordMessage, SASLInitialResponse and SASLResponse share this code.</summary>
    Password = (byte)'p',
    Query = (byte)'Q',
    Sync = (byte)'S',
    Terminate = (byte)'X',
}
