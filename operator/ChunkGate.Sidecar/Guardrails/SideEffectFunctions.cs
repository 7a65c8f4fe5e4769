namespace ChunkGate.Sidecar.Guardrails;

/// <summary>
/// Built-in functions whose effects PostgreSQL's read-only transaction does not stop, by name
/// (the parser has resolved quoting and Unicode escapes; the schema is ignored, so a look-alike in
/// another schema is refused too).
/// </summary>
/// <remarks>
/// A deny-list, not an allow-list: ordinary reads call hundreds of built-in and user functions,
/// and read/export sessions already run under <c>default_transaction_read_only</c>, which the
/// server enforces for every table, sequence and catalog write it knows of. What it does not stop
/// is listed here: large objects, advisory locks, settings, other connections (dblink), server files,
/// other backends, and functions that run SQL handed to them as text (invisible to this parser).
/// Functions a database defines itself are the database owner's responsibility.
/// </remarks>
internal static class SideEffectFunctions
{
    private static readonly Dictionary<string, StatementTraits> Exact = new(StringComparer.Ordinal)
    {
        ["set_config"] = StatementTraits.SessionAuthorization | StatementTraits.ReadOnlyOverride,
        ["nextval"] = StatementTraits.Write,
        ["setval"] = StatementTraits.Write,

        // A notification carries its payload to every listening session, past this sidecar (hostile probe: pg_notify('c', diagnosis) from a read session).
        ["pg_notify"] = StatementTraits.Write,
        ["loread"] = StatementTraits.Write,
        ["lowrite"] = StatementTraits.Write,
        ["lo_import"] = StatementTraits.ServerSideEffects,
        ["lo_export"] = StatementTraits.ServerSideEffects,
        ["pg_read_file"] = StatementTraits.ServerSideEffects,
        ["pg_read_binary_file"] = StatementTraits.ServerSideEffects,
        ["pg_stat_file"] = StatementTraits.ServerSideEffects,
        ["pg_logdir_ls"] = StatementTraits.ServerSideEffects,
        ["pg_terminate_backend"] = StatementTraits.ServerSideEffects,
        ["pg_cancel_backend"] = StatementTraits.ServerSideEffects,
        ["pg_reload_conf"] = StatementTraits.ServerSideEffects,
        ["pg_rotate_logfile"] = StatementTraits.ServerSideEffects,
        ["pg_promote"] = StatementTraits.ServerSideEffects,
        ["pg_switch_wal"] = StatementTraits.ServerSideEffects,
        ["pg_create_restore_point"] = StatementTraits.ServerSideEffects,
        ["pg_backup_start"] = StatementTraits.ServerSideEffects,
        ["pg_backup_stop"] = StatementTraits.ServerSideEffects,
        ["pg_log_backend_memory_contexts"] = StatementTraits.ServerSideEffects,
        ["pg_drop_replication_slot"] = StatementTraits.ServerSideEffects,
        ["pg_replication_slot_advance"] = StatementTraits.ServerSideEffects,
        ["pg_logical_emit_message"] = StatementTraits.ServerSideEffects,
        ["pg_import_system_collations"] = StatementTraits.ServerSideEffects,
        ["ts_stat"] = StatementTraits.ServerSideEffects,

        // Runs its second argument as SQL: a hostile tester hid set_config and lo_from_bytea in it.
        ["ts_rewrite"] = StatementTraits.ServerSideEffects,
    };

    private static readonly (string Prefix, StatementTraits Traits)[] Prefixes =
    [
        ("lo_", StatementTraits.Write),
        ("pg_advisory", StatementTraits.Write),
        ("pg_try_advisory", StatementTraits.Write),
        ("dblink", StatementTraits.ServerSideEffects),
        ("pg_ls_", StatementTraits.ServerSideEffects),
        ("pg_file_", StatementTraits.ServerSideEffects),
        ("pg_stat_reset", StatementTraits.ServerSideEffects),
        ("pg_wal_replay_", StatementTraits.ServerSideEffects),
        ("pg_create_", StatementTraits.ServerSideEffects),
        ("pg_replication_origin_", StatementTraits.ServerSideEffects),
        ("query_to_xml", StatementTraits.ServerSideEffects),
        ("cursor_to_xml", StatementTraits.ServerSideEffects),
        ("table_to_xml", StatementTraits.ServerSideEffects),
        ("schema_to_xml", StatementTraits.ServerSideEffects),
        ("database_to_xml", StatementTraits.ServerSideEffects),
    ];

    public static StatementTraits Of(string name)
    {
        if (Exact.TryGetValue(name, out var traits))
        {
            return traits;
        }

        foreach (var (prefix, prefixTraits) in Prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return prefixTraits;
            }
        }

        return StatementTraits.None;
    }
}
