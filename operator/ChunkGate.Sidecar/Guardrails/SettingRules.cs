using System.Text.Json;

namespace ChunkGate.Sidecar.Guardrails;

/// <summary>
/// Which SET / RESET statements matter (names as the parser resolved them, Unicode escapes included):
/// the role, read-only mode, and the two settings that change how the server reads statement text.
/// RESET and DEFAULT return a setting to its session start value, which the sidecar chose at
/// start-up (read-only on for read/export, standard_conforming_strings on, client_encoding UTF8).
/// <c>search_path</c> is left alone on purpose: masking finds columns by table OID and the function
/// deny-list matches names in any schema, so where a name resolves changes neither decision.
/// </summary>
internal static class SettingRules
{
    public static StatementTraits Of(JsonElement statement)
    {
        var name = StatementClassifier.Text(statement, "name")?.ToLowerInvariant();
        var kind = StatementClassifier.Text(statement, "kind") ?? "VAR_SET_VALUE";
        if (name is null || kind == "VAR_SET_MULTI")
        {
            // RESET ALL (back to start values) or SET TRANSACTION / SESSION CHARACTERISTICS (its DefElems are judged on their own).
            return StatementTraits.None;
        }

        if (name is "role" or "session_authorization")
        {
            return StatementTraits.SessionAuthorization;
        }

        var toStart = kind is "VAR_RESET" or "VAR_SET_DEFAULT";
        var value = kind == "VAR_SET_VALUE" && statement.TryGetProperty("args", out var args) && args.GetArrayLength() == 1
            ? ConstantText(args[0])
            : null;
        return name switch
        {
            "default_transaction_read_only" => toStart || IsTrue(value) ? StatementTraits.None : StatementTraits.ReadOnlyOverride,
            "transaction_read_only" => IsTrue(value) ? StatementTraits.None : StatementTraits.ReadOnlyOverride,
            "standard_conforming_strings" => toStart || IsTrue(value) ? StatementTraits.None : StatementTraits.ParserBlind,
            "client_encoding" => toStart || IsUtf8(value) ? StatementTraits.None : StatementTraits.ParserBlind,
            _ => StatementTraits.None,
        };
    }

    /// <summary>A DefElem argument or constant node read as PostgreSQL's parse_bool would; a missing argument means true.</summary>
    public static bool IsTrue(JsonElement node) => node.ValueKind == JsonValueKind.Undefined || IsTrue(ConstantText(node));

    /// <summary>PostgreSQL's encoding name matching ignores case and punctuation: UTF8, utf-8, Unicode.</summary>
    public static bool IsUtf8(string? encoding)
    {
        if (encoding is null)
        {
            return false;
        }

        var letters = new string(encoding.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
        return letters is "utf8" or "unicode";
    }

    private static bool IsTrue(string? value) =>
        value?.ToLowerInvariant() is "t" or "tr" or "tru" or "true" or "y" or "ye" or "yes" or "on" or "1";

    /// <summary>The text of a constant node (A_Const, String, Integer, Boolean); null for anything else.</summary>
    public static string? ConstantText(JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (node.TryGetProperty("A_Const", out var constant))
        {
            node = constant;
        }

        if (node.TryGetProperty("sval", out var s))
        {
            return s.ValueKind == JsonValueKind.Object ? StatementClassifier.Text(s, "sval") ?? "" : s.GetString();
        }

        if (node.TryGetProperty("String", out var str))
        {
            return StatementClassifier.Text(str, "sval") ?? "";
        }

        if (node.TryGetProperty("ival", out var i) || node.TryGetProperty("Integer", out i))
        {
            return i.ValueKind == JsonValueKind.Object
                ? (i.TryGetProperty("ival", out var inner) ? inner.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : "0")
                : i.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (node.TryGetProperty("boolval", out var b) || node.TryGetProperty("Boolean", out b))
        {
            var truth = b.ValueKind == JsonValueKind.Object ? StatementClassifier.Flag(b, "boolval") : b.ValueKind == JsonValueKind.True;
            return truth ? "true" : "false";
        }

        return null;
    }
}
