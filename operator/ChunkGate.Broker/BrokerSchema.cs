namespace ChunkGate.Broker;

/// <summary>
/// What the broker keeps in the target database. <see cref="Admin"/> is the admin's alone (ledger,
/// hash key, the masking rules in force); <see cref="Masked"/> holds the masking views and the
/// hash functions, and issued roles get USAGE on it.
/// </summary>
internal static class BrokerSchema
{
    public const string Admin = "chunkgate";
    public const string Masked = "chunkgate_masked";

    /// <summary>
    /// Taken by every transaction that changes privileges: PostgreSQL rewrites a whole ACL per
    /// GRANT, and two concurrent GRANTs on one table or schema fail with "tuple concurrently
    /// updated". Issues are a few milliseconds each, so serialising them costs little.
    /// </summary>
    public const string LockGrants = "SELECT pg_advisory_xact_lock(hashtext('chunkgate.grants'))";

    // One statement batch, under an advisory lock so two brokers installing at once do not race
    // on CREATE ... IF NOT EXISTS. The hash function's body holds no secret: it reads the key's
    // pad blocks from an admin-only table, as its owner, with a search_path nobody can plant in.
    public const string InstallSql = """
        SELECT pg_advisory_xact_lock(hashtext('chunkgate.install'));
        CREATE SCHEMA IF NOT EXISTS chunkgate;
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
        CREATE OR REPLACE FUNCTION chunkgate_masked.hmac(data bytea) RETURNS bytea
            LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
            AS $$ SELECT sha256(k.outer_pad || sha256(k.inner_pad || data)) FROM chunkgate.hash_key k $$;
        REVOKE ALL ON FUNCTION chunkgate_masked.hmac(bytea) FROM PUBLIC;
        CREATE OR REPLACE FUNCTION chunkgate_masked.hmac_int8(data bytea) RETURNS bigint
            LANGUAGE sql STABLE STRICT
            AS $$ SELECT ('x' || encode(substr(chunkgate_masked.hmac(data), 1, 8), 'hex'))::bit(64)::bigint & 9223372036854775807 $$;
        REVOKE ALL ON FUNCTION chunkgate_masked.hmac_int8(bytea) FROM PUBLIC;
        """;
}
