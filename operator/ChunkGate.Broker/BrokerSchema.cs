using Npgsql;

namespace ChunkGate.Broker;

/// <summary>
/// What the broker keeps in the target database. <see cref="Admin"/> is the admin's alone (ledger,
/// hash key, the masking rules in force); <see cref="Masked"/> holds the masking views and the
/// hash functions, and issued roles get USAGE on it.
/// </summary>
internal static class BrokerSchema
{
    public const string Admin = Api.Validation.ReservedSchemas.ChunkGateAdmin;
    public const string Masked = Api.Validation.ReservedSchemas.ChunkGateMasked;

    /// <summary>
    /// The pre-pad versions of the hash functions read the key themselves (SECURITY DEFINER), so a
    /// role could hash values it guessed. Dropped once the views no longer use them.
    /// </summary>
    public const string DropKeyedFunctions = "DROP FUNCTION IF EXISTS chunkgate_masked.hmac_int8(bytea), chunkgate_masked.hmac(bytea)";

    /// <summary>
    /// Taken by every transaction that changes privileges: PostgreSQL rewrites a whole ACL per
    /// GRANT, and two concurrent GRANTs on one table or schema fail with "tuple concurrently
    /// updated". It is held to commit, so an issue takes it only for its last two round trips.
    /// A lock on a table of the admin-only schema, not an advisory lock: advisory locks need no
    /// privilege, so any login could hold the broker's key and stop every issue and revocation
    /// (hostile probe). To name the table takes USAGE on the schema, which no other role has,
    /// and EXCLUSIVE mode lets the ACCESS SHARE that size functions take by oid through.
    /// </summary>
    public const string LockGrants = "LOCK TABLE chunkgate.grants_lock IN EXCLUSIVE MODE";

    /// <summary>
    /// Serialises the issues of one role (a retry racing the first attempt); other roles do not
    /// wait. A row lock in an admin-only table, for the reason given at <see cref="LockGrants"/>:
    /// the upsert locks the role's row, or waits for a concurrent first insert of it to commit.
    /// </summary>
    public static NpgsqlBatchCommand LockRun(string role)
    {
        var command = new NpgsqlBatchCommand("INSERT INTO chunkgate.run_locks (role) VALUES (@role) ON CONFLICT (role) DO UPDATE SET role = EXCLUDED.role");
        command.Parameters.AddWithValue("role", role);
        return command;
    }

    /// <summary>
    /// What the grants lock needs before anything can be locked: the admin-only schema and the
    /// lock's table (no columns, no rows and no index, so nothing opens it by an index's oid).
    /// Brokers installing at once may race here (IF NOT EXISTS is not atomic, and two REVOKEs on
    /// one schema collide): the installer runs it only while the table is missing, and retries.
    /// </summary>
    public const string BootstrapSql = """
        CREATE SCHEMA IF NOT EXISTS chunkgate;
        REVOKE ALL ON SCHEMA chunkgate FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS chunkgate.grants_lock ();
        REVOKE ALL ON chunkgate.grants_lock FROM PUBLIC;
        """;

    // One statement batch after the bootstrap, under the grants lock: two brokers installing at
    // once do not race on CREATE ... IF NOT EXISTS, and its REVOKEs and GRANTs rewrite the
    // schemas' and functions' ACLs that a concurrent issue grants on. The hash functions take the key's pad blocks as arguments and
    // hold no secret: only the masking views, which read the admin-only key table with their
    // owner's privileges, can pass the real pads, so a role cannot hash a value of its choice.
    // They are plain SQL (not SECURITY DEFINER, no SET clause) so the planner inlines them into
    // the view, and their bodies are SQL-standard (RETURN): parsed once here, bound to
    // pg_catalog's sha256 and ||, so a caller's search_path cannot swap in its own functions
    // when they are inlined. EXECUTE stays with PUBLIC: without the pads they are plain sha256.
    public const string InstallSql = """
        LOCK TABLE chunkgate.grants_lock IN EXCLUSIVE MODE;
        REVOKE ALL ON SCHEMA chunkgate FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS chunkgate.ledger (
            role text PRIMARY KEY,
            job_uid text NOT NULL,
            namespace text NOT NULL,
            name text NOT NULL,
            run integer NOT NULL,
            action text NOT NULL,
            tables text[] NOT NULL,
            expires_at timestamptz NOT NULL,
            issued_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz);
        CREATE TABLE IF NOT EXISTS chunkgate.run_locks (role text PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS chunkgate.hash_key (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            inner_pad bytea NOT NULL,
            outer_pad bytea NOT NULL);
        CREATE TABLE IF NOT EXISTS chunkgate.masked_columns (
            schema_name text NOT NULL,
            table_name text NOT NULL,
            column_name text NOT NULL,
            strategy text NOT NULL,
            PRIMARY KEY (schema_name, table_name, column_name));
        REVOKE ALL ON ALL TABLES IN SCHEMA chunkgate FROM PUBLIC;
        CREATE SCHEMA IF NOT EXISTS chunkgate_masked;
        REVOKE ALL ON SCHEMA chunkgate_masked FROM PUBLIC;
        CREATE OR REPLACE FUNCTION chunkgate_masked.hmac(data bytea, inner_pad bytea, outer_pad bytea) RETURNS bytea
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            RETURN pg_catalog.sha256(outer_pad OPERATOR(pg_catalog.||) pg_catalog.sha256(inner_pad OPERATOR(pg_catalog.||) data));
        CREATE OR REPLACE FUNCTION chunkgate_masked.hmac_int8(data bytea, inner_pad bytea, outer_pad bytea) RETURNS bigint
            LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
            RETURN ('x' OPERATOR(pg_catalog.||) pg_catalog.encode(pg_catalog.substr(chunkgate_masked.hmac(data, inner_pad, outer_pad), 1, 8), 'hex'))::pg_catalog.bit(64)::pg_catalog.int8
                OPERATOR(pg_catalog.&) 9223372036854775807;
        GRANT EXECUTE ON FUNCTION chunkgate_masked.hmac(bytea, bytea, bytea), chunkgate_masked.hmac_int8(bytea, bytea, bytea) TO PUBLIC;
        """;
}
