using ChunkGate.Runner.Database;

namespace ChunkGate.Runner.Tests.Database;

/// <summary>$1 and $2 are replaced where PostgreSQL's lexer sees parameters, and nowhere else.</summary>
public sealed class QueryTemplateTests
{
    [TestCase("SELECT * FROM t WHERE id >= $1 AND id < $2", "SELECT * FROM t WHERE id >= CAST(-5 AS bigint) AND id < CAST(10 AS bigint)")]
    [TestCase("SELECT '$1', $1 FROM t WHERE id<$2;  ", "SELECT '$1', CAST(-5 AS bigint) FROM t WHERE id<CAST(10 AS bigint)")]
    [TestCase("SELECT 'it''s $1' || E'\\'$2', \"col$1\", a$1 FROM t WHERE k BETWEEN $1 AND $2", "SELECT 'it''s $1' || E'\\'$2', \"col$1\", a$1 FROM t WHERE k BETWEEN CAST(-5 AS bigint) AND CAST(10 AS bigint)")]
    [TestCase("SELECT $$ $1 $$, $tag$ $2 $tag$ -- $1\n /* $2 /* $1 */ */ FROM t WHERE k >= $1 AND k < $2", "SELECT $$ $1 $$, $tag$ $2 $tag$ -- $1\n /* $2 /* $1 */ */ FROM t WHERE k >= CAST(-5 AS bigint) AND k < CAST(10 AS bigint)")]
    [TestCase("SELECT x'1F', 1e5, $1::int + $2 FROM t", "SELECT x'1F', 1e5, CAST(-5 AS bigint)::int + CAST(10 AS bigint) FROM t")]
    public void Render_ReplacesOnlyTheParameters(string query, string expected)
    {
        var (template, error) = QueryTemplate.Parse(query);

        error.Should().BeNull();
        template!.Render(-5, 10).Should().Be(expected);
    }

    [TestCase("SELECT $3 FROM t WHERE id >= $1 AND id < $2", "uses $3")]
    [TestCase("SELECT 'open FROM t WHERE id >= $1 AND id < $2", "unterminated string constant")]
    [TestCase("SELECT E'\\' FROM t WHERE id >= $1 AND id < $2", "unterminated string constant")]
    [TestCase("SELECT $x$ FROM t WHERE id >= $1 AND id < $2", "unterminated dollar-quoted constant $x$")]
    [TestCase("SELECT 1 /* /* */ FROM t WHERE id >= $1 AND id < $2", "unterminated /* comment")]
    [TestCase("SELECT \"open FROM t WHERE id >= $1 AND id < $2", "unterminated quoted identifier")]
    public void Parse_RefusesWhatItCannotReadSafely(string query, string expected)
    {
        var (template, error) = QueryTemplate.Parse(query);

        template.Should().BeNull();
        error.Should().Contain(expected);
    }
}
