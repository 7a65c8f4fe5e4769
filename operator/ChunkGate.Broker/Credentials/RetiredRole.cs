using ChunkGate.Broker.Sql;
using Npgsql;

namespace ChunkGate.Broker.Credentials;

/// <summary>
/// Owner of what revoked roles leave behind (a transform's output). It cannot log in and holds no
/// privilege, so code a job planted in its objects (index expressions, triggers, SECURITY DEFINER
/// functions, views) runs with nothing when something later touches them.
/// </summary>
internal static class RetiredRole
{
    public const string Name = "chunkgate_retired";

    public static string Quoted => SqlText.Identifier(Name);

    public const string EnsureSql = $"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{Name}') THEN
                CREATE ROLE {Name} NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
            END IF;
        -- Roles are cluster-wide: a broker installing in another database may have just created it.
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$;
        """;
}
