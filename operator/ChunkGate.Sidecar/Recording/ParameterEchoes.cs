using System.Text;

namespace ChunkGate.Sidecar.Recording;

/// <summary>
/// PostgreSQL quotes a rejected input value in its error message (<c>invalid input syntax for
/// type integer: "…"</c>, <c>value "…" is out of range</c>): for a statement with Bind parameters,
/// that value is a parameter value, which the recording never keeps. Every double-quoted part of
/// such a message is replaced (identifiers too: the message cannot tell them apart).
/// </summary>
internal static class ParameterEchoes
{
    public const string Placeholder = "\"?\"";

    public static string Redact(string? message)
    {
        if (string.IsNullOrEmpty(message) || !message.Contains('"', StringComparison.Ordinal))
        {
            return message ?? string.Empty;
        }

        var builder = new StringBuilder(message.Length);
        var position = 0;
        while (position < message.Length)
        {
            var open = message.IndexOf('"', position);
            if (open < 0)
            {
                builder.Append(message, position, message.Length - position);
                break;
            }

            builder.Append(message, position, open - position).Append(Placeholder);
            var close = message.IndexOf('"', open + 1);

            // An unterminated quote hides the rest.
            position = close < 0 ? message.Length : close + 1;
        }

        return builder.ToString();
    }
}
