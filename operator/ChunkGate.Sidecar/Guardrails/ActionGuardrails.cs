using ChunkGate.Sidecar.Configuration;

namespace ChunkGate.Sidecar.Guardrails;

/// <summary>
/// Which statement traits each action allows (design.md rule 5): read is read-only with no COPY;
/// export adds COPY TO STDOUT; write adds DML and COPY FROM; transform adds DDL and server-side
/// code for its scratch schema. Nobody may change the role, touch server files or programs, act
/// on other sessions, or blind the sidecar's parser. While masking is on nobody may create relations
/// from a query (views, rules, CREATE TABLE AS, SELECT INTO): their columns would reach the client
/// unresolved by the masking policy, so unmasked.
/// </summary>
internal static class ActionGuardrails
{
    /// <summary>SQLSTATE 25006 read_only_sql_transaction, for writes in read-only sessions.</summary>
    public const string ReadOnlyState = "25006";

    /// <summary>SQLSTATE 42501 insufficient_privilege, for everything else the approval does not cover.</summary>
    public const string PrivilegeState = "42501";

    public static StatementTraits Allowed(SessionAction action) => action switch
    {
        SessionAction.Read => StatementTraits.None,
        SessionAction.Export => StatementTraits.CopyTo,
        SessionAction.Write => StatementTraits.Write | StatementTraits.CopyFrom | StatementTraits.ReadOnlyOverride,
        SessionAction.Transform => StatementTraits.Write | StatementTraits.CopyFrom | StatementTraits.ReadOnlyOverride | StatementTraits.Ddl | StatementTraits.ProceduralCode | StatementTraits.DerivedRelation,
        _ => StatementTraits.None,
    };

    /// <summary>Null when the statement may run; otherwise why not.</summary>
    /// <param name="masking">Masking is on for the session: relations created from a query are refused whatever the action.</param>
    public static GuardrailRefusal? Decide(SessionAction action, StatementTraits traits, bool masking = false)
    {
        var allowed = Allowed(action);
        if (masking)
        {
            allowed &= ~StatementTraits.DerivedRelation;
        }

        var refused = traits & ~allowed;
        if (refused == StatementTraits.None)
        {
            return null;
        }

        var readOnly = action is SessionAction.Read or SessionAction.Export
            && (refused & ~(StatementTraits.Write | StatementTraits.Ddl | StatementTraits.DerivedRelation)) == StatementTraits.None;
        var name = action.ToString().ToLowerInvariant();
        return new GuardrailRefusal(
            readOnly ? ReadOnlyState : PrivilegeState,
            $"ChunkGate sidecar refused the statement: {StatementClassifier.Describe(refused)} not allowed for a {name} approval");
    }
}
