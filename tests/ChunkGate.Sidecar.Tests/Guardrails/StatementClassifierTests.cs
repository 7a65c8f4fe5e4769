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
    [TestCase("SELECT * INTO copy_of_t FROM t", StatementTraits.Ddl | StatementTraits.DerivedRelation)]
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
    [TestCase("BEGIN; INSERT INTO t VALUES (1); PREPARE TRANSACTION 'w1'", StatementTraits.Write | StatementTraits.TwoPhaseCommit)]
    [TestCase("prepare transaction 'r1'", StatementTraits.TwoPhaseCommit)]
    [TestCase("NOTIFY c, 'x'", StatementTraits.Write)]
    [TestCase("select pg_notify('c', diagnosis) from t", StatementTraits.Write)]
    [TestCase("LISTEN c", StatementTraits.None)]
    [TestCase("COMMIT PREPARED 'w1'", StatementTraits.TwoPhaseCommit)]
    [TestCase("ROLLBACK PREPARED 'w1'", StatementTraits.TwoPhaseCommit)]
    [TestCase("START TRANSACTION ISOLATION LEVEL SERIALIZABLE; COMMIT AND CHAIN; ROLLBACK", StatementTraits.None)]
    [TestCase("START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE", StatementTraits.ReadOnlyOverride)]
    [TestCase("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", StatementTraits.ReadOnlyOverride)]
    [TestCase("DO $$ BEGIN RAISE NOTICE 'x'; END $$", StatementTraits.ProceduralCode)]
    [TestCase("CALL refresh()", StatementTraits.ProceduralCode)]
    [TestCase("LOAD 'auto_explain'", StatementTraits.Ddl)]
    [TestCase("", StatementTraits.None)]
    [TestCase("COPY t FROM '/etc/passwd'", StatementTraits.CopyToServer)]
    [TestCase("COPY t FROM PROGRAM 'id'", StatementTraits.CopyToServer)]
    public void Classify_FindsWhatTheStatementWouldDo(string sql, StatementTraits expected) =>
        StatementClassifier.Classify(Encoding.UTF8.GetBytes(sql)).Should().Be(expected);

    // Hole 6: what a read session must not run, seen through EXPLAIN, CTEs, PREPARE, DECLARE and functions.
    [TestCase("EXPLAIN ANALYZE CREATE TABLE raw_copy AS SELECT * FROM customers", StatementTraits.Ddl | StatementTraits.DerivedRelation)]
    [TestCase("EXPLAIN (ANALYZE, BUFFERS) SELECT * INTO raw_copy FROM customers", StatementTraits.Ddl | StatementTraits.DerivedRelation)]
    [TestCase("CREATE TEMP TABLE raw_copy AS SELECT * FROM customers", StatementTraits.Ddl | StatementTraits.DerivedRelation)]
    [TestCase("CREATE TEMPORARY VIEW v AS SELECT * FROM customers", StatementTraits.Ddl | StatementTraits.DerivedRelation)]
    [TestCase("CREATE MATERIALIZED VIEW v AS SELECT * FROM customers", StatementTraits.Ddl | StatementTraits.DerivedRelation)]
    [TestCase("CREATE RULE r AS ON SELECT TO t DO INSTEAD SELECT * FROM customers", StatementTraits.Ddl | StatementTraits.DerivedRelation)]
    [TestCase("PREPARE p AS DELETE FROM t", StatementTraits.Write)]
    [TestCase("DECLARE c CURSOR FOR SELECT * FROM t FOR SHARE", StatementTraits.Write)]
    [TestCase("SELECT lo_from_bytea(0, convert_to(ssn, 'UTF8')) FROM customers", StatementTraits.Write)]
    [TestCase("SELECT * FROM t WHERE pg_catalog.lo_unlink(1) = 1", StatementTraits.Write)]
    [TestCase("SELECT pg_advisory_lock(1)", StatementTraits.Write)]
    [TestCase("SELECT nextval('s')", StatementTraits.Write)]
    [TestCase("SELECT U&\"lo\\005ffrom\\005fbytea\"(0, 'x')", StatementTraits.Write)]
    [TestCase("SELECT dblink_exec('host=x', 'CREATE TABLE t AS SELECT 1')", StatementTraits.ServerSideEffects)]
    [TestCase("SELECT pg_read_file('/etc/passwd')", StatementTraits.ServerSideEffects)]
    [TestCase("SELECT query_to_xml('select * from customers', true, false, '')", StatementTraits.ServerSideEffects)]
    [TestCase("SELECT pg_terminate_backend(1)", StatementTraits.ServerSideEffects)]
    [TestCase("SELECT ts_rewrite('a'::tsquery, 'select ''a''::tsquery, set_config(''client_encoding'', ''SJIS'', false)::tsquery')", StatementTraits.ServerSideEffects)]
    [TestCase("SELECT lower(name), now(), count(*) FROM t GROUP BY 1, 2", StatementTraits.None)]
    public void Classify_SeesSideEffectsAReadOnlyTransactionDoesNotStop(string sql, StatementTraits expected) =>
        StatementClassifier.Classify(Encoding.UTF8.GetBytes(sql)).Should().Be(expected);

    // Hole 7: names and settings as the server resolves them, not as they are spelled.
    [TestCase("SET U&\"default\\005ftransaction\\005fread\\005fonly\" = off", StatementTraits.ReadOnlyOverride)]
    [TestCase("SET U&\"default!005ftransaction!005fread!005fonly\" UESCAPE '!' TO false", StatementTraits.ReadOnlyOverride)]
    [TestCase("SET default_transaction_read_only = 0", StatementTraits.ReadOnlyOverride)]
    [TestCase("SET default_transaction_read_only = on", StatementTraits.None)]
    [TestCase("RESET default_transaction_read_only", StatementTraits.None)]
    [TestCase("SELECT U&\"set\\005fconfig\"('application_name', 'x', false)", StatementTraits.SessionAuthorization | StatementTraits.ReadOnlyOverride)]
    [TestCase("SET U&\"r\\006fle\" = admin", StatementTraits.SessionAuthorization)]
    [TestCase("SET standard_conforming_strings = off", StatementTraits.ParserBlind)]
    [TestCase("SET standard_conforming_strings TO 'of'", StatementTraits.ParserBlind)]
    [TestCase("SET standard_conforming_strings = on", StatementTraits.None)]
    [TestCase("SET client_encoding = 'SJIS'", StatementTraits.ParserBlind)]
    [TestCase("SET NAMES 'LATIN1'", StatementTraits.ParserBlind)]
    [TestCase("SET client_encoding TO 'utf-8'", StatementTraits.None)]
    [TestCase("ALTER ROLE me SET standard_conforming_strings = off", StatementTraits.Ddl)]
    [TestCase("SELECT 'a'; DO $$ BEGIN END $$", StatementTraits.ProceduralCode)]
    [TestCase("SELECT E'\\' ; DO $$ BEGIN END $$ --'", StatementTraits.None)]
    [TestCase("SELECT '\\' ; DO $$ BEGIN END $$ --'", StatementTraits.ProceduralCode)]
    public void Classify_ReadsNamesAndSettingsAsTheServerDoes(string sql, StatementTraits expected) =>
        StatementClassifier.Classify(Encoding.UTF8.GetBytes(sql)).Should().Be(expected);

    [TestCase("SELECT 'DELETE")]
    [TestCase("SELECT $x$ DELETE")]
    [TestCase("SELECT /* DELETE")]
    [TestCase("SELEC 1")]
    [TestCase("SELECT 1; frobnicate everything")]
    public void Judge_RefusesWhatDoesNotParse(string sql)
    {
        var judgment = StatementClassifier.Judge(Encoding.UTF8.GetBytes(sql));

        judgment.Refusal.Should().NotBeNull();
        judgment.Refusal!.SqlState.Should().Be("42601");
        judgment.Refusal.Message.Should().Contain("does not parse");
    }

    [Test]
    public void Judge_RefusesTextThatIsNotUtf8()
    {
        // SJIS 0x95 0x5C: the second byte is a backslash to a byte-wise reader.
        var judgment = StatementClassifier.Judge([.. "SELECT '"u8, 0x95, 0x5C, .. "'; DO $$ BEGIN END $$"u8]);

        judgment.Refusal!.SqlState.Should().Be("22021");
    }

    [Test]
    public void Judge_CountsStatementsAndCachesByText()
    {
        var first = StatementClassifier.Judge("SELECT 1; SELECT 2;"u8);

        first.Statements.Should().Be(2);
        StatementClassifier.Judge("SELECT 1; SELECT 2;"u8).Should().BeSameAs(first);
    }
}
