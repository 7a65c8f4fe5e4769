using System.Text.Json;
using ChunkGate.Sidecar.Guardrails;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Reads a <c>COPY … TO STDOUT</c> from its parse tree (<c>CopyStmt</c>): the source and every
/// option as PostgreSQL 15's <c>ProcessCopyOptions</c> reads them (the legacy <c>CSV HEADER</c>
/// spelling arrives as the same options). Anything the row masker cannot follow exactly (another
/// quote or escape character, a NULL marker, an encoding other than UTF-8, an option it does not
/// know) is a problem: the COPY is refused rather than masked by a guess.
/// </summary>
internal static class CopyOptions
{
    public static (CopyStatement? Copy, string? Problem) Read(JsonElement copy)
    {
        string source;
        string? columns = null;
        var isQuery = copy.TryGetProperty("query", out _);
        if (isQuery)
        {
            // Filled in from the lexer's tokens by the classifier (the tree does not keep the query's text).
            source = "";
        }
        else if (copy.TryGetProperty("relation", out var relation))
        {
            var name = StatementClassifier.Text(relation, "relname") ?? "";
            source = StatementClassifier.Text(relation, "schemaname") is { } schema
                ? CopyStatement.Quote(schema) + "." + CopyStatement.Quote(name)
                : CopyStatement.Quote(name);
            if (copy.TryGetProperty("attlist", out var list))
            {
                columns = string.Join(", ", list.EnumerateArray().Select(item => CopyStatement.Quote(StatementClassifier.StringValue(item) ?? "")));
            }
        }
        else
        {
            return (null, "the source of this COPY could not be read");
        }

        var format = CopyFormat.Text;
        byte? delimiter = null;
        var header = false;
        string? nullMarker = null;
        if (copy.TryGetProperty("options", out var options))
        {
            foreach (var item in options.EnumerateArray())
            {
                if (!item.TryGetProperty("DefElem", out var option))
                {
                    return (null, "a COPY option could not be read");
                }

                var name = StatementClassifier.Text(option, "defname");
                var hasArgument = option.TryGetProperty("arg", out var argument);
                var text = hasArgument ? SettingRules.ConstantText(argument) : null;
                switch (name)
                {
                    case "format":
                        format = text switch
                        {
                            "text" => CopyFormat.Text,
                            "csv" => CopyFormat.Csv,
                            "binary" => CopyFormat.Binary,
                            _ => (CopyFormat)255,
                        };
                        if (!Enum.IsDefined(format))
                        {
                            return (null, $"COPY format \"{text}\" is not understood");
                        }

                        break;
                    case "header":
                        // PostgreSQL 15 (defGetCopyHeaderChoice): no value, 0/1, true/false, on/off; MATCH only for COPY FROM.
                        bool? choice = !hasArgument ? true : text?.ToLowerInvariant() switch
                        {
                            "1" or "true" or "on" => true,
                            "0" or "false" or "off" => false,
                            _ => null,
                        };
                        if (choice is null)
                        {
                            return (null, $"COPY HEADER \"{text}\" is not understood");
                        }

                        header = choice.Value;
                        break;
                    case "delimiter":
                        if (text is not { Length: 1 } || text[0] > 0x7f)
                        {
                            return (null, "COPY DELIMITER must be a single one-byte character");
                        }

                        delimiter = (byte)text[0];
                        break;
                    case "quote" or "escape":
                        if (text != "\"")
                        {
                            return (null, $"with masking on, COPY {name!.ToUpperInvariant()} must be the default '\"'");
                        }

                        break;
                    case "null":
                        nullMarker = text;
                        break;
                    case "encoding":
                        if (!SettingRules.IsUtf8(text))
                        {
                            return (null, "with masking on, COPY ENCODING must be UTF8");
                        }

                        break;
                    case "force_quote":
                        // Quotes more CSV values; the masker reads quoted values.
                        break;
                    default:
                        return (null, $"COPY option \"{name}\" is not understood by the masking sidecar");
                }
            }
        }

        if (nullMarker is not null && nullMarker != (format == CopyFormat.Csv ? "" : "\\N"))
        {
            return (null, "with masking on, COPY NULL must be the default marker");
        }

        var separator = delimiter ?? (format == CopyFormat.Csv ? (byte)',' : (byte)'\t');
        return (new CopyStatement(source, isQuery, columns, format, separator, header), null);
    }
}
