using System.Text;
using ChunkGate.Sidecar.Guardrails;

namespace ChunkGate.Sidecar.Tests.Guardrails;

internal sealed class StatementClassifierTests
{
    [TestCase("SELECT * FROM customers", StatementTraits.None)]
    [TestCase("select 'INSERT INTO x' AS note, \"delete\" FROM t -- UPDATE t\n", StatementTraits.None)]
    [TestCase("SELECT $body$ DROP TABLE t $body$, E'it\\'s UPDATE', /* DELETE /* nested */ FROM */ 1", StatementTraits.None)]
    [TestCase("SELECT $1::int, $2", StatementTraits.None)]
    [TestCase("BEGIN; SELECT 1; COMMIT", StatementTraits.None)]
    [TestCase("SHOW search_path", StatementTraits.None)]
    [TestCase("INSERT INTO t VALUES (1)", StatementTraits.Write)]
    [TestCase("  with x as (delete from t returning *) select * from x", StatementTraits.Write)]
    [TestCase("SELECT * FROM t FOR UPDATE", StatementTraits.Write)]
    [TestCase("EXPLAIN ANALYZE UPDATE t SET a = 1", StatementTraits.Write)]
    [TestCase("SELECT 1; DELETE FROM t", StatementTraits.Write)]
    [TestCase("SELECT * INTO copy_of_t FROM t", StatementTraits.Ddl)]
    [TestCase("CREATE TABLE t (id int)", StatementTraits.Ddl)]
    [TestCase("TRUNCATE t", StatementTraits.Ddl)]
    [TestCase("VACUUM t", StatementTraits.Ddl)]
    [TestCase("COPY t TO STDOUT", StatementTraits.CopyTo)]
    [TestCase("COPY (SELECT a FROM b) TO STDOUT WITH (FORMAT csv)", StatementTraits.CopyTo)]
    [TestCase("COPY t FROM STDIN", StatementTraits.CopyFrom)]
    [TestCase("COPY t TO '/tmp/out'", StatementTraits.CopyToServer)]
    [TestCase("COPY t TO PROGRAM 'sh'", StatementTraits.CopyToServer)]
    [TestCase("SET ROLE admin", StatementTraits.SessionAuthorization)]
    [TestCase("set local role admin", StatementTraits.SessionAuthorization)]
    [TestCase("SET SESSION AUTHORIZATION admin", StatementTraits.SessionAuthorization)]
    [TestCase("SET LOCAL SESSION AUTHORIZATION admin", StatementTraits.SessionAuthorization)]
    [TestCase("RESET ROLE", StatementTraits.SessionAuthorization)]
    [TestCase("SET \"role\" = 'admin'", StatementTraits.SessionAuthorization)]
    [TestCase("SELECT pg_catalog.set_config('role', 'admin', false)", StatementTraits.SessionAuthorization | StatementTraits.ReadOnlyOverride)]
    [TestCase("SET default_transaction_read_only = off", StatementTraits.ReadOnlyOverride)]
    [TestCase("SET transaction_read_only TO off", StatementTraits.ReadOnlyOverride)]
    [TestCase("BEGIN READ WRITE", StatementTraits.ReadOnlyOverride)]
    [TestCase("START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE", StatementTraits.ReadOnlyOverride)]
    [TestCase("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", StatementTraits.ReadOnlyOverride)]
    [TestCase("DO $$ BEGIN RAISE NOTICE 'x'; END $$", StatementTraits.ProceduralCode)]
    [TestCase("CALL refresh()", StatementTraits.ProceduralCode)]
    [TestCase("frobnicate everything", StatementTraits.Ddl)]
    [TestCase("", StatementTraits.None)]
    public void Classify_FindsWhatTheStatementWouldDo(string sql, StatementTraits expected) =>
        StatementClassifier.Classify(Encoding.UTF8.GetBytes(sql)).Should().Be(expected);

    [Test]
    public void Classify_NeverReadsKeywordsInsideUnterminatedLiterals()
    {
        StatementClassifier.Classify("SELECT 'DELETE"u8).Should().Be(StatementTraits.None);
        StatementClassifier.Classify("SELECT $x$ DELETE"u8).Should().Be(StatementTraits.None);
        StatementClassifier.Classify("SELECT /* DELETE"u8).Should().Be(StatementTraits.None);
    }
}
