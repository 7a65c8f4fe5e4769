using System.Text.RegularExpressions;
using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Semantics;

/// <summary>Object-name rules of k8s.io/apimachinery/pkg/util/validation, with their exact messages.</summary>
internal static partial class MetadataRules
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();

    private const int AnnotationsSizeLimit = 256 * 1024;

    /// <summary>Label and annotation rules of apimachinery's ValidateObjectMeta, with the real messages.</summary>
    public static IEnumerable<StatusCause> CheckLabelsAndAnnotations(System.Text.Json.Nodes.JsonObject obj)
    {
        var metadata = obj["metadata"];
        foreach (var (key, value) in Model.ObjectFields.StringMap(metadata?["labels"]))
        {
            foreach (var problem in CheckQualifiedName(key))
            {
                yield return new StatusCause("FieldValueInvalid", $"Invalid value: \"{key}\": {problem}", "metadata.labels");
            }

            if (value.Length > 63)
            {
                yield return new StatusCause("FieldValueInvalid", $"Invalid value: \"{value}\": must be no more than 63 characters", "metadata.labels");
            }
            else if (!LabelValue().IsMatch(value))
            {
                yield return new StatusCause("FieldValueInvalid",
                    $"Invalid value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                    "metadata.labels");
            }
        }

        var annotations = Model.ObjectFields.StringMap(metadata?["annotations"]);
        foreach (var key in annotations.Keys)
        {
            foreach (var problem in CheckQualifiedName(key.ToLowerInvariant()))
            {
                yield return new StatusCause("FieldValueInvalid", $"Invalid value: \"{key}\": {problem}", "metadata.annotations");
            }
        }

        if (annotations.Sum(pair => System.Text.Encoding.UTF8.GetByteCount(pair.Key) + System.Text.Encoding.UTF8.GetByteCount(pair.Value)) > AnnotationsSizeLimit)
        {
            yield return new StatusCause("FieldValueTooLong", $"Too long: must have at most {AnnotationsSizeLimit} bytes", "metadata.annotations");
        }

        var owners = (metadata?["ownerReferences"] as System.Text.Json.Nodes.JsonArray ?? []).OfType<System.Text.Json.Nodes.JsonObject>().ToList();
        foreach (var owner in owners)
        {
            foreach (var field in new[] { "apiVersion", "kind", "name", "uid" })
            {
                if (string.IsNullOrEmpty(Model.ObjectFields.StringAt(owner, field)))
                {
                    yield return new StatusCause("FieldValueInvalid", $"Invalid value: \"\": {field} must not be empty", $"metadata.ownerReferences.{field}");
                }
            }
        }

        if (owners.Count(o => o["controller"]?.GetValue<bool>() == true) > 1)
        {
            yield return new StatusCause("FieldValueInvalid", "Invalid value: []v1.OwnerReference: Only one reference can have Controller set to true", "metadata.ownerReferences");
        }
    }

    private static IEnumerable<string> CheckQualifiedName(string key)
    {
        var slash = key.LastIndexOf('/');
        var (prefix, name) = slash < 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
        if (slash >= 0 && (prefix.Length == 0 || prefix.Length > 253 || !Subdomain().IsMatch(prefix)))
        {
            yield return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
        }

        if (name.Length == 0)
        {
            yield return "name part must be non-empty";
        }
        else if (name.Length > 63)
        {
            yield return "name part must be no more than 63 characters";
        }
        else if (!QualifiedNamePart().IsMatch(name))
        {
            yield return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        }
    }

    public static IEnumerable<StatusCause> CheckName(string name, bool labelOnly)
    {
        if (name.Length == 0)
        {
            yield return new StatusCause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name");
            yield break;
        }

        if (labelOnly && (!Label().IsMatch(name) || name.Length > 63))
        {
            yield return new StatusCause("FieldValueInvalid",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "metadata.name");
        }
        else if (!labelOnly && (!Subdomain().IsMatch(name) || name.Length > 253))
        {
            yield return new StatusCause("FieldValueInvalid",
                $"Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                "metadata.name");
        }
    }

    /// <summary>The random suffix a real server appends to <c>generateName</c> (consonants and digits, 5 characters).</summary>
    public static string GeneratedName(string prefix)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var suffix = new char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return prefix + new string(suffix);
    }
}
