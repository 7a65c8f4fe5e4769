namespace ChunkGate.Sidecar.Guardrails;

/// <summary>What a statement text would do, as far as the guardrails care; one text may have several.</summary>
[Flags]
internal enum StatementTraits
{
    None = 0,

    /// <summary>INSERT, UPDATE, DELETE, MERGE, LOCK, or a row lock (FOR UPDATE) anywhere in the text.</summary>
    Write = 1 << 0,

    /// <summary>Schema or maintenance commands (CREATE, ALTER, DROP, GRANT, TRUNCATE, SELECT INTO …) and anything not recognised.</summary>
    Ddl = 1 << 1,

    /// <summary><c>COPY … TO STDOUT</c>.</summary>
    CopyTo = 1 << 2,

    /// <summary><c>COPY … FROM</c> (STDIN, a file or a program).</summary>
    CopyFrom = 1 << 3,

    /// <summary><c>COPY … TO</c> a server file or program.</summary>
    CopyToServer = 1 << 4,

    /// <summary>SET ROLE, SET SESSION AUTHORIZATION, their RESETs, or <c>set_config</c>.</summary>
    SessionAuthorization = 1 << 5,

    /// <summary>Turns read-only off: READ WRITE, SESSION CHARACTERISTICS, (default_)transaction_read_only.</summary>
    ReadOnlyOverride = 1 << 6,

    /// <summary>DO blocks and CALL: arbitrary server-side code.</summary>
    ProceduralCode = 1 << 7,
}
