using System.Text.RegularExpressions;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Validation;

namespace ChunkGate.Operator.Admission;

/// <summary>
/// A ChunkJob create or update as the webhook sees it. Spec hashes and the designer annotation are
/// read by the adapter from the raw objects; <see cref="SpecHash"/> (decides nothing on create),
/// <see cref="OldSpecHash"/> and <see cref="OldDesigner"/> may be null on create.
/// </summary>
public sealed record JobAdmissionRequest(
    AdmissionOperation Operation,
    UserInfo User,
    string Namespace,
    string Name,
    ChunkJobSpec Spec,
    string? SpecHash,
    string? DesignerAnnotation,
    DataConnectionSpec? Connection,
    string? OldSpecHash = null,
    string? OldDesigner = null);

/// <summary>The verdict and, when allowed, the designer stamp the mutating webhook writes.</summary>
public sealed record JobAdmissionResult(AdmissionVerdict Verdict, string? Designer);

/// <summary>
/// Segregation of duties starts here: who designed a job is recorded from the authenticated user
/// (or, for a trusted GitOps identity, from the reviewed manifest), and only that designer may
/// change the spec afterwards, so nobody can become the "designer" of someone else's approved work.
/// </summary>
public static class JobAdmission
{
    public static JobAdmissionResult Decide(JobAdmissionRequest request, AdmissionSettings settings, IReadOnlyCollection<string> maskedTables)
    {
        var user = request.User;
        var job = $"{request.Namespace}/{request.Name}";
        var gitOps = settings.GitOpsIdentities.Contains(user.Username);

        if (request.Operation == AdmissionOperation.Delete)
        {
            return new JobAdmissionResult(AdmissionVerdict.Allow(), request.OldDesigner);
        }

        if (request.Operation == AdmissionOperation.Update)
        {
            if (!string.Equals(request.DesignerAnnotation, request.OldDesigner, StringComparison.Ordinal))
            {
                return Denied($"the {AdmissionAnnotations.Designer} annotation of {job} is set by ChunkGate when the job is created and cannot be changed");
            }

            if (string.Equals(request.SpecHash, request.OldSpecHash, StringComparison.Ordinal))
            {
                return new JobAdmissionResult(AdmissionVerdict.Allow(), request.OldDesigner);
            }

            if (!gitOps && !string.Equals(user.Username, request.OldDesigner, StringComparison.Ordinal))
            {
                return Denied($"only {request.OldDesigner ?? "its designer"}, who designed {job}, may change its spec; {user.Username} may create a new ChunkJob instead");
            }
        }

        if (request.Connection is not { } connection)
        {
            return Denied($"DataConnection {request.Namespace}/{request.Spec.ConnectionRef?.Name} does not exist; create the job after its connection");
        }

        string designer;
        if (gitOps)
        {
            if (string.IsNullOrWhiteSpace(request.DesignerAnnotation))
            {
                return Denied($"{user.Username} applies jobs on a designer's behalf: add the annotation {AdmissionAnnotations.Designer}: <designer's user name> to {job} in git");
            }

            designer = request.DesignerAnnotation;
        }
        else
        {
            if (!user.InAny(connection.DesignerGroups))
            {
                return Denied($"{user.Username} is not in a designer group of DataConnection {request.Namespace}/{request.Spec.ConnectionRef.Name} ({string.Join(", ", connection.DesignerGroups)}) and cannot {(request.Operation == AdmissionOperation.Create ? "create" : "change")} {job}");
            }

            // Whatever the manifest says, the designer of a job a person applies is that person.
            designer = request.Operation == AdmissionOperation.Create ? user.Username : request.OldDesigner!;
        }

        var validation = ChunkJobValidator.ValidateWith(request.Spec, request.Spec.ConnectionRef.Name, connection);
        if (!validation.IsValid)
        {
            return Denied($"{job} is invalid: {validation.ErrorSummary}");
        }

        return new JobAdmissionResult(AdmissionVerdict.Allow(QualifiedMaskedTableWarnings(request.Spec, maskedTables)), designer);
    }

    /// <summary>
    /// The issued role reads masked tables through ChunkGate's masking views, found on its search_path;
    /// a schema-qualified name goes around them to the base table, where masked columns are denied.
    /// </summary>
    private static List<string> QualifiedMaskedTableWarnings(ChunkJobSpec spec, IReadOnlyCollection<string> maskedTables) =>
        maskedTables
            .Where(table => NamesQualified(spec.Query, table))
            .Select(table => $"spec.query names the masked table {table} with its schema: the job's role may not read its masked columns there; name it without the schema ({table[(table.IndexOf('.') + 1)..]}) to read it through ChunkGate's masking view")
            .ToList();

    private static bool NamesQualified(string query, string table)
    {
        var dot = table.IndexOf('.');
        var pattern = $@"(?<![\w$""]){Regex.Escape(table[..dot])}\s*\.\s*{Regex.Escape(table[(dot + 1)..])}(?![\w$""])";
        return Regex.IsMatch(query, pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static JobAdmissionResult Denied(string message) => new(AdmissionVerdict.Deny(message), null);
}
