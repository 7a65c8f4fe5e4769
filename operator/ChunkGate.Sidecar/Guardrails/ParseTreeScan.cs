using System.Text;
using System.Text.Json;

namespace ChunkGate.Sidecar.Guardrails;

/// <summary>
/// The common case of <see cref="StatementClassifier"/> in one forward pass over the JSON parse
/// tree, allocating only for statement kinds and function names: queries and DML whose traits
/// follow from their node kinds, function names and <c>SELECT … INTO</c>. Gives up (null) on any
/// node whose content decides (settings, options, CREATE TABLE AS, COPY), which the full walk reads;
/// both use <see cref="StatementClassifier.KindTraits"/>, so they cannot disagree on a kind.
/// </summary>
internal static class ParseTreeScan
{
    public static StatementJudgment? TryRead(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var traits = StatementTraits.None;
        var statements = 0;
        var functionNameDepth = -1;
        var nameFollows = false;
        string? functionName = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject when reader.CurrentDepth == 2:
                    // {"version":…,"stmts":[{"stmt":…}, …]}: one object per statement.
                    statements++;
                    break;
                case JsonTokenType.PropertyName:
                    var name = reader.ValueSpan;
                    if (name.Length > 0 && name[0] is >= (byte)'A' and <= (byte)'Z')
                    {
                        if (name.EndsWith("Stmt"u8) || name.EndsWith("Clause"u8) || name.SequenceEqual("DefElem"u8))
                        {
                            if (StatementClassifier.KindTraits(Encoding.UTF8.GetString(name)) is not { } kindTraits)
                            {
                                return null;
                            }

                            traits |= kindTraits;
                        }
                    }
                    else if (name.SequenceEqual("funcname"u8))
                    {
                        functionNameDepth = reader.CurrentDepth;
                        functionName = null;
                    }
                    else if (functionNameDepth >= 0 && name.SequenceEqual("sval"u8))
                    {
                        nameFollows = true;
                    }
                    else if (name.SequenceEqual("intoClause"u8))
                    {
                        traits |= StatementClassifier.IntoTraits;
                    }

                    break;
                case JsonTokenType.String when nameFollows:
                    functionName = reader.GetString();
                    nameFollows = false;
                    break;
                case JsonTokenType.EndArray when reader.CurrentDepth == functionNameDepth:
                    // The last part of a qualified name is the function's own name.
                    traits |= SideEffectFunctions.Of(functionName ?? "");
                    functionNameDepth = -1;
                    break;
            }
        }

        return new StatementJudgment(traits, statements, null, null, null);
    }
}
