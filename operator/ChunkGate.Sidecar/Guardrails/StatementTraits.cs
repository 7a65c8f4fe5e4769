namespace ChunkGate.Sidecar.Guardrails;

/// <summary>What a statement text would do, as far as the guardrails care; one text may have several.</summary>
[Flags]
internal enum StatementTraits
{
    None = 0,

    /// <summary>INSERT, UPDATE, DELETE, MERGE, LOCK, a row lock (FOR UPDATE), NOTIFY, sequence, large-object, advisory-lock or notification functions, anywhere in the text.</summary>
    Write = 1 << 0,

    /// <summary>Schema or maintenance commands (CREATE, ALTER, DROP, GRANT, TRUNCATE, SELECT INTO …) and any statement kind not known to be harmless.</summary>
    Ddl = 1 << 1,

    /// <summary><c>COPY … TO STDOUT</c>.</summary>
    CopyTo = 1 << 2,

    /// <summary><c>COPY … FROM STDIN</c>.</summary>
    CopyFrom = 1 << 3,

    /// <summary><c>COPY</c> to or from a server file or program.</summary>
    CopyToServer = 1 << 4,

    /// <summary>SET ROLE, SET SESSION AUTHORIZATION, their RESETs, or <c>set_config</c>.</summary>
    SessionAuthorization = 1 << 5,

    /// <summary>Turns read-only off: READ WRITE transactions or characteristics, (default_)transaction_read_only off.</summary>
    ReadOnlyOverride = 1 << 6,

    /// <summary>DO blocks and CALL: arbitrary server-side code.</summary>
    ProceduralCode = 1 << 7,

    /// <summary>
    /// CREATE VIEW, MATERIALIZED VIEW, RULE, TABLE … AS, SELECT INTO: new relations whose columns
    /// come from a query, which the session's masking (resolved from the catalog at start) does not know.
    /// </summary>
    DerivedRelation = 1 << 8,

    /// <summary>Functions acting outside the transaction or the sidecar's sight: server files, other backends and connections (dblink), SQL passed as text.</summary>
    ServerSideEffects = 1 << 9,

    /// <summary>
    /// Settings that would make the server read later statements differently from the sidecar's
    /// parser: <c>standard_conforming_strings</c> off, a <c>client_encoding</c> other than UTF-8.
    /// </summary>
    ParserBlind = 1 << 10,

    /// <summary>
    /// PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK PREPARED: a prepared transaction outlives
    /// its session and the approval, holding its locks, and commits whenever someone says so.
    /// </summary>
    TwoPhaseCommit = 1 << 11,
}
