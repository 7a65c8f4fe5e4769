using System.Globalization;

namespace ChunkGate.Broker.Sql;

/// <summary>
/// Quoting for the few places PostgreSQL takes no parameters (utility statements such as
/// CREATE ROLE and GRANT). Inputs are validated names or values the broker made itself; quoting
/// them anyway means a name can never end the identifier or literal it sits in.
/// </summary>
internal static class SqlText
{
    public static string Identifier(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("an identifier must be non-empty and hold no NUL", nameof(name));
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public static string Qualified(string schema, string name) => Identifier(schema) + "." + Identifier(name);

    public static string Literal(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a literal cannot hold NUL", nameof(value));
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    public static string Timestamp(DateTimeOffset value) =>
        Literal(value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00'", CultureInfo.InvariantCulture));
}
