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
