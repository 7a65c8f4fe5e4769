using System.Text.RegularExpressions;
using ChunkGate.Api.Durations;

namespace ChunkGate.Api.Validation;

/// <summary>Checks shared by the validators; each records a <see cref="FieldError"/> and reports whether the field was fine.</summary>
internal static partial class FieldRules
{
    public static bool Required(ValidationResult result, string path, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            result.Error(path, "Required value");
            return false;
        }

        return true;
    }

    public static bool ObjectName(ValidationResult result, string path, string? value)
    {
        if (!Required(result, path, value))
        {
            return false;
        }

        if (!Identifiers.IsObjectName(value))
        {
            result.Error(path, $"invalid name \"{value}\": must be a lower-case RFC 1123 subdomain (letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters)");
            return false;
        }

        return true;
    }

    public static TimeSpan? Duration(ValidationResult result, string path, string? value)
    {
        if (!KubeDuration.TryParse(value, out var duration, out var error))
        {
            result.Error(path, error);
            return null;
        }

        return duration;
    }

    public static bool Enum<TEnum>(ValidationResult result, string path, TEnum value)
        where TEnum : struct, System.Enum
    {
        if (!System.Enum.IsDefined(value))
        {
            result.Error(path, $"unsupported value {value}");
            return false;
        }

        return true;
    }

    public static void Unique<T>(ValidationResult result, string path, IReadOnlyList<T> items, Func<T, string> describe)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var key = describe(items[i]);
            if (!seen.Add(key))
            {
                result.Error($"{path}[{i}]", $"Duplicate value: \"{key}\"");
            }
        }
    }

}
