using System.Text;

namespace ChunkGate.Sidecar.Guardrails;

/// <summary>
/// Classifies statement text (one or many statements) by what it would do. Deliberately
/// conservative: a keyword that can write anywhere in a statement marks the whole text, and an
/// unrecognised command counts as DDL. The database's own privileges and read-only transaction
/// stay the authority; this is the second layer that gives a clear refusal first.
/// </summary>
internal static class StatementClassifier
{
    private static readonly string[] ReadCommands =
    [
        "SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT",
        "SAVEPOINT", "RELEASE", "PREPARE", "EXECUTE", "DEALLOCATE", "DECLARE", "FETCH", "CLOSE", "MOVE", "DISCARD",
        "LISTEN", "UNLISTEN", "NOTIFY", "SET", "RESET",
    ];

    private static readonly string[] WriteCommands = ["INSERT", "UPDATE", "DELETE", "MERGE", "LOCK"];

    public static StatementTraits Classify(ReadOnlySpan<byte> sql)
    {
        var traits = StatementTraits.None;
        var tokenizer = new SqlTokenizer(sql);
        var statement = new StatementState();
        while (true)
        {
            var kind = tokenizer.Next();
            switch (kind)
            {
                case SqlTokenKind.End:
                    return traits | statement.Finish();
                case SqlTokenKind.Semicolon:
                    traits |= statement.Finish();
                    statement = new StatementState();
                    break;
                case SqlTokenKind.OpenParen:
                    statement.Depth++;
                    break;
                case SqlTokenKind.CloseParen:
                    statement.Depth--;
                    break;
                case SqlTokenKind.Word:
                    statement.Word(tokenizer.Token, quoted: false);
                    break;
                case SqlTokenKind.QuotedWord:
                    statement.Word(tokenizer.Token, quoted: true);
                    break;
                default:
                    statement.Symbol();
                    break;
            }
        }
    }

    /// <summary>A human name for the traits, for refusal messages and the recording.</summary>
    public static string Describe(StatementTraits traits)
    {
        var parts = new List<string>();
        if (traits.HasFlag(StatementTraits.SessionAuthorization)) parts.Add("changing the role or session authorization");
        if (traits.HasFlag(StatementTraits.ReadOnlyOverride)) parts.Add("turning read-only off");
        if (traits.HasFlag(StatementTraits.Ddl)) parts.Add("schema or maintenance commands");
        if (traits.HasFlag(StatementTraits.Write)) parts.Add("writes and row locks");
        if (traits.HasFlag(StatementTraits.CopyFrom)) parts.Add("COPY FROM");
        if (traits.HasFlag(StatementTraits.CopyTo)) parts.Add("COPY TO STDOUT");
        if (traits.HasFlag(StatementTraits.CopyToServer)) parts.Add("COPY TO a server file or program");
        if (traits.HasFlag(StatementTraits.ProceduralCode)) parts.Add("DO blocks and CALL");
        return string.Join(", ", parts);
    }

    private static bool Is(ReadOnlySpan<byte> word, string keyword) => Ascii.EqualsIgnoreCase(word, keyword);

    private static bool IsAny(ReadOnlySpan<byte> word, string[] keywords)
    {
        foreach (var keyword in keywords)
        {
            if (Is(word, keyword))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What has been seen of the current statement so far.</summary>
    private struct StatementState
    {
        private int wordCount;
        private bool first;
        private bool isSelectLike;
        private bool isCopy;
        private bool isSetOrReset;
        private bool copyDirectionSeen;
        private bool copyToPending;
        private bool previousWasRead;
        private StatementTraits traits;

        public int Depth;

        /// <param name="quoted">A quoted identifier is never a keyword, but still names a setting or function.</param>
        public void Word(ReadOnlySpan<byte> word, bool quoted)
        {
            wordCount++;
            if (quoted)
            {
                first = wordCount == 1;
                if (first)
                {
                    traits |= StatementTraits.Ddl;
                }

                Identifier(word);
                previousWasRead = false;
                return;
            }

            if (wordCount == 1)
            {
                first = true;
                Command(word);
            }
            else
            {
                first = false;
            }

            if (copyToPending)
            {
                copyToPending = false;
                traits |= Is(word, "STDOUT") ? StatementTraits.CopyTo : StatementTraits.CopyToServer;
            }

            if (isCopy && !copyDirectionSeen && Depth == 0 && wordCount > 1)
            {
                if (Is(word, "FROM"))
                {
                    copyDirectionSeen = true;
                    traits |= StatementTraits.CopyFrom;
                }
                else if (Is(word, "TO"))
                {
                    copyDirectionSeen = true;
                    copyToPending = true;
                }
            }

            if (!first && IsAny(word, WriteCommands))
            {
                traits |= StatementTraits.Write;
            }

            if (isSelectLike && Is(word, "INTO"))
            {
                traits |= StatementTraits.Ddl;
            }

            if (isSetOrReset && Is(word, "CHARACTERISTICS"))
            {
                traits |= StatementTraits.ReadOnlyOverride;
            }

            if (previousWasRead && Is(word, "WRITE"))
            {
                traits |= StatementTraits.ReadOnlyOverride;
            }

            Identifier(word);
            previousWasRead = Is(word, "READ");
        }

        /// <summary>Names of settings and functions that matter whether quoted or not.</summary>
        private void Identifier(ReadOnlySpan<byte> word)
        {
            if (isSetOrReset && wordCount <= 4 && (Is(word, "ROLE") || Is(word, "AUTHORIZATION") || Is(word, "SESSION_AUTHORIZATION")))
            {
                traits |= StatementTraits.SessionAuthorization;
            }

            if (Is(word, "set_config"))
            {
                traits |= StatementTraits.SessionAuthorization | StatementTraits.ReadOnlyOverride;
            }

            if (Is(word, "transaction_read_only") || Is(word, "default_transaction_read_only"))
            {
                traits |= StatementTraits.ReadOnlyOverride;
            }
        }

        public void Symbol()
        {
            previousWasRead = false;
            if (copyToPending)
            {
                // COPY … TO '/file' or TO PROGRAM: the target is a literal, not STDOUT.
                copyToPending = false;
                traits |= StatementTraits.CopyToServer;
            }
        }

        public readonly StatementTraits Finish() =>
            copyToPending ? traits | StatementTraits.CopyToServer : traits;

        private void Command(ReadOnlySpan<byte> word)
        {
            if (IsAny(word, WriteCommands))
            {
                traits |= StatementTraits.Write;
            }
            else if (Is(word, "COPY"))
            {
                isCopy = true;
            }
            else if (Is(word, "DO") || Is(word, "CALL"))
            {
                traits |= StatementTraits.ProceduralCode;
            }
            else if (IsAny(word, ReadCommands))
            {
                isSelectLike = Is(word, "SELECT") || Is(word, "WITH") || Is(word, "VALUES") || Is(word, "TABLE");
                isSetOrReset = Is(word, "SET") || Is(word, "RESET");
            }
            else
            {
                traits |= StatementTraits.Ddl;
            }
        }
    }
}
