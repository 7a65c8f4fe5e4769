using ChunkGate.Sidecar.Configuration;

namespace ChunkGate.Sidecar.Guardrails;

/// <summary>
/// The server reports some settings (ParameterStatus) whenever they change, however they were
/// changed: also from SQL the parser never saw (a function running SQL handed to it as text). The
/// guardrails assume three of them; a report that breaks one ends the session, so the parser never
/// judges a statement the server will read differently, and a read-only session never turns writable.
/// </summary>
internal static class ServerSettingGuard
{
    /// <summary>Null when the reported value is one the sidecar's judgments hold under; otherwise why the session ends.</summary>
    public static string? Judge(SessionAction action, string name, string value)
    {
        if (name.Equals("client_encoding", StringComparison.OrdinalIgnoreCase) && !IsUtf8(value))
        {
            return $"the server's client_encoding changed to {value}; the sidecar reads statements as UTF-8 only";
        }

        if (name.Equals("standard_conforming_strings", StringComparison.OrdinalIgnoreCase) && !value.Equals("on", StringComparison.OrdinalIgnoreCase))
        {
            return "standard_conforming_strings was turned off; the sidecar reads statements with it on only";
        }

        var mustStayReadOnly = (ActionGuardrails.Allowed(action) & StatementTraits.ReadOnlyOverride) == StatementTraits.None;
        if (mustStayReadOnly && name.Equals("default_transaction_read_only", StringComparison.OrdinalIgnoreCase) && !value.Equals("on", StringComparison.OrdinalIgnoreCase))
        {
            return $"default_transaction_read_only was turned off in a {action.ToString().ToLowerInvariant()} session";
        }

        return null;
    }

    private static bool IsUtf8(string value) => value.Equals("UTF8", StringComparison.OrdinalIgnoreCase) || value.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || value.Equals("unicode", StringComparison.OrdinalIgnoreCase);
}
