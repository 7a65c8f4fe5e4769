using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Sidecar.Parsing;

namespace ChunkGate.Sidecar.Guardrails;

/// <summary>
/// Judges statement text with PostgreSQL's own parser (<see cref="PgQuery"/>): every statement of
/// a multi-statement string and every statement nested in another (EXPLAIN, PREPARE, CTEs,
/// DECLARE, COPY (query)) counts, names arrive with quoting and Unicode escapes resolved, and an
/// unknown statement kind counts as DDL. Text the parser rejects is refused, as the server would.
/// The database's own privileges and read-only transaction stay the authority; this is the layer
/// that sees what the read-only transaction does not stop and gives a clear refusal first.
/// </summary>
internal static class StatementClassifier
{
    /// <summary>Judgments kept by statement text, so prepared and repeated statements are parsed once; emptied when full.</summary>
    private const int CacheLimit = 4096;

    private static readonly ConcurrentDictionary<string, StatementJudgment> Cache = new(StringComparer.Ordinal);

    private static int cacheAdds;

    private static readonly HashSet<string> ReadStatements = new(StringComparer.Ordinal)
    {
        "SelectStmt", "ExplainStmt", "VariableShowStmt", "TransactionStmt", "PrepareStmt", "ExecuteStmt", "DeallocateStmt",
        "DeclareCursorStmt", "FetchStmt", "ClosePortalStmt", "DiscardStmt", "ListenStmt", "UnlistenStmt",
        "ConstraintsSetStmt", "VariableSetStmt", "CopyStmt",
    };

    private static readonly Dictionary<string, StatementTraits> StatementKinds = new(StringComparer.Ordinal)
    {
        ["InsertStmt"] = StatementTraits.Write,
        ["UpdateStmt"] = StatementTraits.Write,
        ["DeleteStmt"] = StatementTraits.Write,
        ["MergeStmt"] = StatementTraits.Write,
        ["LockStmt"] = StatementTraits.Write,
        ["LockingClause"] = StatementTraits.Write,

        // NOTIFY sends its payload to other sessions: not for read-only approvals.
        ["NotifyStmt"] = StatementTraits.Write,
        ["DoStmt"] = StatementTraits.ProceduralCode,
        ["CallStmt"] = StatementTraits.ProceduralCode,
        ["ViewStmt"] = StatementTraits.Ddl | StatementTraits.DerivedRelation,
        ["RuleStmt"] = StatementTraits.Ddl | StatementTraits.DerivedRelation,
    };

    /// <summary>Statement text as it arrives in a Query or Parse message (UTF-8, without its terminating NUL).</summary>
    public static StatementJudgment Judge(ReadOnlySpan<byte> sql)
    {
        if (!System.Text.Unicode.Utf8.IsValid(sql))
        {
            return Unjudged("22021", "the statement text is not valid UTF-8");
        }

        var text = Encoding.UTF8.GetString(sql);
        if (Cache.TryGetValue(text, out var cached))
        {
            return cached;
        }

        StatementJudgment judgment;
        try
        {
            judgment = PgQuery.ParseJson(sql, static (json, error) => error is null ? Read(json) : Unjudged("42601", $"it does not parse: {error}"));
        }
        catch (DllNotFoundException)
        {
            // Fail closed: without the parser nothing can be judged (the image lacks libpg-query1504.0).
            return Unjudged("58000", "its statement parser (libpg_query.so.1504.0, package libpg-query1504.0) is not installed");
        }

        if (judgment.Copy is { IsQuery: true } copy)
        {
            judgment = CopyQuerySource(sql) is { } source
                ? judgment with { Copy = copy with { Source = source } }
                : judgment with { Copy = null, CopyProblem = "the query of this COPY could not be located" };
        }

        // Counted here, not with Cache.Count, which takes every lock of the dictionary (measured: 27 µs a call at 4,096 entries).
        if (Interlocked.Increment(ref cacheAdds) > CacheLimit)
        {
            Cache.Clear();
            Interlocked.Exchange(ref cacheAdds, 0);
        }

        Cache[text] = judgment;
        return judgment;
    }

    /// <summary>Traits only (tests and callers that need no COPY details).</summary>
    public static StatementTraits Classify(ReadOnlySpan<byte> sql) => Judge(sql).Traits;

    /// <summary>A human name for the traits, for refusal messages and the recording.</summary>
    public static string Describe(StatementTraits traits)
    {
        var parts = new List<string>();
        if (traits.HasFlag(StatementTraits.SessionAuthorization)) parts.Add("changing the role, session authorization or settings through set_config");
        if (traits.HasFlag(StatementTraits.ReadOnlyOverride)) parts.Add("turning read-only off");
        if (traits.HasFlag(StatementTraits.ParserBlind)) parts.Add("turning standard_conforming_strings off or a client_encoding other than UTF8");
        if (traits.HasFlag(StatementTraits.DerivedRelation)) parts.Add("creating views, rules or tables from a query while masking is on");
        if (traits.HasFlag(StatementTraits.Ddl)) parts.Add("schema or maintenance commands");
        if (traits.HasFlag(StatementTraits.Write)) parts.Add("writes, row locks, sequences, large objects and advisory locks");
        if (traits.HasFlag(StatementTraits.CopyFrom)) parts.Add("COPY FROM");
        if (traits.HasFlag(StatementTraits.CopyTo)) parts.Add("COPY TO STDOUT");
        if (traits.HasFlag(StatementTraits.CopyToServer)) parts.Add("COPY to or from a server file or program");
        if (traits.HasFlag(StatementTraits.ServerSideEffects)) parts.Add("functions acting on server files, other sessions or SQL passed as text");
        if (traits.HasFlag(StatementTraits.ProceduralCode)) parts.Add("DO blocks and CALL");
        if (traits.HasFlag(StatementTraits.TwoPhaseCommit)) parts.Add("two-phase commit (PREPARE TRANSACTION, COMMIT PREPARED), whose work outlives the session and its approval");
        return string.Join(", ", parts);
    }

    private static StatementJudgment Unjudged(string sqlState, string why) =>
        new(StatementTraits.None, 0, null, null, new GuardrailRefusal(sqlState, $"ChunkGate sidecar refused the statement: {why}"));

    private static StatementJudgment Read(ReadOnlySpan<byte> json)
    {
        if (ParseTreeScan.TryRead(json) is { } quick)
        {
            return quick;
        }

        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var walk = new Walk();
        var statements = 0;
        if (document.RootElement.TryGetProperty("stmts", out var list))
        {
            foreach (var statement in list.EnumerateArray())
            {
                statements++;
                walk.Visit(statement);
            }
        }

        var copyProblem = walk.CopyProblem;
        var copy = walk.Copy;
        if (copy is not null && statements != 1)
        {
            (copy, copyProblem) = (null, "a COPY … TO STDOUT must be sent alone");
        }

        return new StatementJudgment(walk.Traits, statements, copy, copyProblem, null);
    }

    /// <summary>The text of <c>COPY (query) TO …</c>'s query: between the parenthesis after COPY and its match, as PostgreSQL's lexer tokenizes it.</summary>
    private static string? CopyQuerySource(ReadOnlySpan<byte> sql)
    {
        var tokens = PgQuery.Tokens(sql);
        if (tokens is not { Count: > 2 } || tokens[1].Kind != '(')
        {
            return null;
        }

        var depth = 0;
        for (var index = 1; index < tokens.Count; index++)
        {
            depth += tokens[index].Kind switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth == 0)
            {
                return Encoding.UTF8.GetString(sql[tokens[1].End..tokens[index].Start]).Trim();
            }
        }

        return null;
    }

    /// <summary>One pass over the parse tree, gathering traits from every node.</summary>
    private sealed class Walk
    {
        public StatementTraits Traits { get; private set; }

        public CopyStatement? Copy { get; private set; }

        public string? CopyProblem { get; private set; }

        public void Visit(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        var name = property.Name;
                        if (name.Length > 0 && char.IsAsciiLetterUpper(name[0]))
                        {
                            Node(name, property.Value);
                        }
                        else if (name == IntoClause)
                        {
                            Traits |= IntoTraits;
                        }
                        else if (name == "funcname")
                        {
                            // A function call (or the function a CREATE FUNCTION names): judged by its own name.
                            Traits |= SideEffectFunctions.Of(LastName(element, name) ?? "");
                        }

                        Visit(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Visit(item);
                    }

                    break;
            }
        }

        private void Node(string kind, JsonElement node)
        {
            if (KindTraits(kind) is { } traits)
            {
                Traits |= traits;
                return;
            }

            switch (kind)
            {
                case "VariableSetStmt":
                    Traits |= SettingRules.Of(node);
                    return;
                case "DefElem" when Text(node, "defname") == "transaction_read_only" && !SettingRules.IsTrue(node.TryGetProperty("arg", out var arg) ? arg : default):
                    // BEGIN / START TRANSACTION / SET TRANSACTION / SET SESSION CHARACTERISTICS … READ WRITE.
                    Traits |= StatementTraits.ReadOnlyOverride;
                    return;
                case "CreateTableAsStmt":
                    Traits |= StatementTraits.Ddl | StatementTraits.DerivedRelation;
                    return;
                case "CopyStmt":
                    CopyNode(node);
                    return;
                case "TransactionStmt" when Text(node, "kind") is "TRANS_STMT_PREPARE" or "TRANS_STMT_COMMIT_PREPARED" or "TRANS_STMT_ROLLBACK_PREPARED":
                    Traits |= StatementTraits.TwoPhaseCommit;
                    return;
            }
        }

        private void CopyNode(JsonElement node)
        {
            var server = node.TryGetProperty("filename", out _) || Flag(node, "is_program");
            if (Flag(node, "is_from"))
            {
                Traits |= server ? StatementTraits.CopyToServer : StatementTraits.CopyFrom;
                return;
            }

            if (server)
            {
                Traits |= StatementTraits.CopyToServer;
                return;
            }

            Traits |= StatementTraits.CopyTo;
            if (Copy is not null || CopyProblem is not null)
            {
                (Copy, CopyProblem) = (null, "a COPY … TO STDOUT must be sent alone");
                return;
            }

            (Copy, CopyProblem) = CopyOptions.Read(node);
        }
    }

    /// <summary><c>SELECT … INTO</c>: the only node with this field; it creates a table from the query.</summary>
    internal const string IntoClause = "intoClause";

    internal const StatementTraits IntoTraits = StatementTraits.Ddl | StatementTraits.DerivedRelation;

    /// <summary>
    /// The traits a node has by its kind alone; null for the kinds whose content decides
    /// (settings, options, CREATE TABLE AS, COPY, transaction control). Function names are read from every <c>funcname</c>.
    /// </summary>
    internal static StatementTraits? KindTraits(string kind)
    {
        if (kind is "VariableSetStmt" or "DefElem" or "CreateTableAsStmt" or "CopyStmt" or "TransactionStmt")
        {
            return null;
        }

        if (StatementKinds.TryGetValue(kind, out var traits))
        {
            return traits;
        }

        return kind.EndsWith("Stmt", StringComparison.Ordinal) && !ReadStatements.Contains(kind) ? StatementTraits.Ddl : StatementTraits.None;
    }

    internal static string? Text(JsonElement node, string property) =>
        node.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static bool Flag(JsonElement node, string property) =>
        node.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>The last element of a qualified name (<c>[{"String":{"sval":"pg_catalog"}},{"String":{"sval":"set_config"}}]</c>).</summary>
    internal static string? LastName(JsonElement node, string property) =>
        node.TryGetProperty(property, out var names) && names.ValueKind == JsonValueKind.Array && names.GetArrayLength() > 0
            ? StringValue(names[names.GetArrayLength() - 1])
            : null;

    /// <summary>The value of a <c>{"String":{"sval":…}}</c> node.</summary>
    internal static string? StringValue(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("String", out var s) ? Text(s, "sval") ?? "" : null;
}
