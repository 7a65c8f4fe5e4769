using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;
using ChunkGate.Testing.Waiting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Leaks;

/// <summary>
/// Holes a hostile tester found in the sidecar after issue 11's fixes, each as it was reproduced.
/// Every test here failed before its fix.
/// </summary>
[Category("PostgreSQL")]
internal sealed class HostileSidecarFindingsTests
{
    private const string Setup = """
        CREATE TABLE customers (id int PRIMARY KEY, name text, ssn text);
        INSERT INTO customers VALUES (1, 'Alice', '123-45-6789');
        CREATE TABLE marks (note text);
        """;

    private static readonly DateTimeOffset Start = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => harness = await SidecarHarness.CreateAsync("hostile", Setup);

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TearDown]
    public async Task ClearAsync()
    {
        await using var admin = await harness.OpenAdminAsync();
        await using var clear = new NpgsqlCommand("TRUNCATE marks; SELECT lo_unlink(oid) FROM pg_largeobject_metadata", admin);
        await clear.ExecuteNonQueryAsync();
    }

    [Test]
    public async Task ReadSession_RefusesSqlSmuggledThroughTsRewrite_AndNothingRuns()
    {
        await StartSidecarAsync(SessionAction.Read);
        await using var client = await ConnectAsync();

        await client.SendAsync(RawProtocolClient.Query(
            "select ts_rewrite('a'::tsquery, 'select ''a''::tsquery, (set_config(''default_transaction_read_only'',''off'',false) || lo_from_bytea(0, ''x'')::text)::tsquery')"));
        var answer = await client.ReadUntilAsync('Z');

        answer.Should().Contain(m => m.Code == 'E' && m.Field('M')!.Contains("ChunkGate sidecar refused"));
        await using var admin = await harness.OpenAdminAsync();
        (await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_largeobject_metadata")).Should().Be(0);
    }

    [TestCase("DO $$ BEGIN PERFORM set_config('client_encoding', 'SJIS', false); END $$", "client_encoding changed to SJIS")]
    [TestCase("DO $$ BEGIN PERFORM set_config('standard_conforming_strings', 'off', false); END $$", "standard_conforming_strings was turned off")]
    public async Task ASettingChangedWhereTheParserCannotSee_EndsTheSessionBeforeTheNextStatement(string sql, string reason)
    {
        // Server-side code (allowed to transform) can change what the parser assumes; the server reports it.
        await StartSidecarAsync(SessionAction.Transform);
        await using var client = await ConnectAsync();

        await client.SendAsync(RawProtocolClient.Query(sql));
        var answer = await client.ReadToEndAsync();

        answer.Should().Contain(m => m.Code == 'E' && m.Field('M')!.Contains(reason));
        answer.Should().NotContain(m => m.Code == 'S' && m.Text.StartsWith("client_encoding\0SJIS", StringComparison.Ordinal));
    }

    [Test]
    public async Task Expiry_EndsABackendThatCatchesTheCancel_SoItsWriteNeverCommits()
    {
        const string function = """
            CREATE FUNCTION stubborn() RETURNS int LANGUAGE plpgsql AS $f$
            DECLARE caught int := 0;
            BEGIN
              WHILE caught < 50 LOOP
                BEGIN
                  PERFORM pg_sleep(0.2);
                EXCEPTION WHEN query_canceled THEN
                  caught := caught + 1;
                  PERFORM pg_sleep(3);
                  INSERT INTO marks VALUES ('written after a caught cancel');
                  RETURN caught;
                END;
              END LOOP;
              RETURN caught;
            END $f$
            """;
        await using var admin = await harness.OpenAdminAsync();
        await ExecuteAsync(admin, "DROP FUNCTION IF EXISTS stubborn(); " + function);
        var clock = new ManualTimeProvider(Start);
        await StartSidecarAsync(SessionAction.Transform, clock);
        await using var client = await ConnectAsync();

        await client.SendAsync(RawProtocolClient.Query("SELECT stubborn()"));
        await ActiveQueries.WaitUntilRunningAsync(admin, "SELECT stubborn()");
        clock.Advance(TimeSpan.FromMinutes(5));
        await client.ReadToEndAsync();

        await Eventually.TrueAsync(
            async () => await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT stubborn()'") == 0,
            "the job's backend has ended", TimeSpan.FromSeconds(20));

        // A backend that survived the cancel commits its INSERT before it can notice the closed socket and exit.
        (await ScalarAsync<long>(admin, "SELECT count(*) FROM marks")).Should().Be(0, "the backend was terminated at expiry, not left to commit");
    }

    [Test]
    public async Task Expiry_EndsABackendWhoseCancelHandlerWritesAtOnce()
    {
        // A hostile probe's finding: the handler's INSERT ran between the cancel and the termination (+27 ms).
        const string function = """
            CREATE FUNCTION eager() RETURNS int LANGUAGE plpgsql AS $f$
            BEGIN
              PERFORM pg_sleep(60);
              RETURN 0;
            EXCEPTION WHEN query_canceled THEN
              INSERT INTO marks VALUES ('written at once after a caught cancel');
              RETURN 1;
            END $f$
            """;
        await using var admin = await harness.OpenAdminAsync();
        await ExecuteAsync(admin, "DROP FUNCTION IF EXISTS eager(); " + function);
        var clock = new ManualTimeProvider(Start);
        await StartSidecarAsync(SessionAction.Transform, clock);
        await using var client = await ConnectAsync();

        await client.SendAsync(RawProtocolClient.Query("SELECT eager()"));
        await ActiveQueries.WaitUntilRunningAsync(admin, "SELECT eager()");
        clock.Advance(TimeSpan.FromMinutes(5));
        await client.ReadToEndAsync();

        await Eventually.TrueAsync(
            async () => await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT eager()'") == 0,
            "the job's backend has ended", TimeSpan.FromSeconds(20));
        (await ScalarAsync<long>(admin, "SELECT count(*) FROM marks")).Should().Be(0, "the backend was terminated at expiry, never cancelled first");
    }

    [TestCase("select current_setting('x\" ' || translate(ssn, '0123456789-', 'abcdefghijZ') || ' \"y') from customers", SessionAction.Read, TestName = "QuotesCarriedInAValue_DoNotLetItPassAsTheMessagesOwnWords")]
    [TestCase("select x, current_setting('x\" ' || translate(ssn, '0123456789-', 'abcdefghijZ') || ' \"x') from customers, (select 1 x) s", SessionAction.Read, TestName = "QuotesCarriedInAValue_AroundANameTheClientWrote_DoNotLetItPass")]
    [TestCase("copy (select current_setting('x\" ' || translate(ssn, '0123456789-', 'abcdefghijZ') || ' \"y') from customers) to stdout", SessionAction.Export, TestName = "QuotesCarriedInAValue_InCopy_DoNotLetItPass")]
    public async Task QuotesCarriedInAValue_NeitherTheClientNorTheRecordingSeesIt(string sql, SessionAction action)
    {
        // A hostile probe's finding: 42704 is a kept class, and the masker paired the value's own quotes with the message's.
        var recording = Path.Combine(Path.GetTempPath(), $"chunkgate-quotes-{Guid.NewGuid():N}.jsonl");
        await StartSidecarAsync(action, recordingPath: recording);
        await using (var client = await ConnectAsync())
        {
            await client.SendAsync(RawProtocolClient.Query(sql));
            var answer = await client.ReadUntilAsync('Z');

            var error = answer.Should().ContainSingle(m => m.Code == 'E').Which;
            error.Field('C').Should().Be("42704", "the attack needs a kept class to work at all");
            error.Text.Should().NotContain("bcdZef", "the SSN 123-45-6789, its digits spelled as letters");
            error.Field('M').Should().Be("unrecognized configuration parameter \"REDACTED\"");
        }

        await Recording.StatementRecordingTests.WaitForSessionEndAsync(recording);
        (await File.ReadAllTextAsync(recording)).Should().NotContain("bcdZef").And.Contain("unrecognized configuration parameter");
    }

    [TestCase(SessionAction.Write, "begin; insert into marks values ('prepared'); prepare transaction 'w1'")]
    [TestCase(SessionAction.Read, "begin; select count(*) from customers; prepare transaction 'r1'")]
    public async Task PrepareTransaction_IsRefused_SoNoWorkOrLockOutlivesTheSession(SessionAction action, string sql)
    {
        // A hostile probe's finding: a prepared transaction kept its locks (and its uncommitted insert) after expiry and the sidecar's exit.
        await StartSidecarAsync(action);
        await using (var client = await ConnectAsync())
        {
            await client.SendAsync(RawProtocolClient.Query(sql));
            var answer = await client.ReadUntilAsync('Z');
            answer.Should().Contain(m => m.Code == 'E' && m.Field('M')!.Contains("two-phase commit"));
        }

        await using var admin = await harness.OpenAdminAsync();
        (await ScalarAsync<long>(admin, "SELECT count(*) FROM pg_prepared_xacts")).Should().Be(0);
        (await ScalarAsync<long>(admin, "SELECT count(*) FROM marks")).Should().Be(0);
    }

    [TestCase("select ('\"' || translate(ssn, '0123456789-', 'abcdefghijZ') || '\".b.c.d')::regclass from customers", "42601", "bcdZef", "improper relation name (too many dotted names): REDACTED", TestName = "ValueOutsideQuotes_RegclassTooManyDottedNames")]
    [TestCase("select b, c, d, ('\"' || translate(ssn, '0123456789-', 'abcdefghijZ') || '\".b.c.d')::regclass from customers, (select 1 b, 2 c, 3 d) s", "42601", "bcdZef", "improper relation name (too many dotted names): REDACTED", TestName = "ValueOutsideQuotes_RegclassAmongNamesTheClientWrote")]
    [TestCase("select translate(ssn, '0123456789-', 'abcdefghijZ')::regoper from customers", "42883", "bcdZef", "operator does not exist: REDACTED", TestName = "ValueOutsideQuotes_Regoper")]
    [TestCase("select (translate(ssn, '0123456789-', 'abcdefghijZ') || '(int,int)')::regoperator from customers", "42883", "bcdZef", "operator does not exist: REDACTED", TestName = "ValueOutsideQuotes_Regoperator")]
    [TestCase("select ('x.y.z.' || translate(ssn, '0123456789-', 'abcdefghijZ'))::regconfig from customers", "42601", "bcdZef", "improper qualified name (too many dotted names): REDACTED", TestName = "ValueOutsideQuotes_Regconfig")]
    [TestCase("select ('\"' || replace(ssn, '-', '_') || '\".b.c.d')::regclass from customers", "42601", "45_6789", "improper relation name (too many dotted names): REDACTED", TestName = "ValueOutsideQuotes_DigitsGluedToAWord")]
    public async Task ValueOutsideQuotes_NeitherTheClientNorTheRecordingSeesIt(string sql, string sqlState, string leaked, string expected)
    {
        // A hostile probe's finding: templates put values outside quotes, where the masker took them for the server's words.
        var recording = Path.Combine(Path.GetTempPath(), $"chunkgate-unquoted-{Guid.NewGuid():N}.jsonl");
        await StartSidecarAsync(SessionAction.Read, recordingPath: recording);
        await using (var client = await ConnectAsync())
        {
            await client.SendAsync(RawProtocolClient.Query(sql));
            var answer = await client.ReadUntilAsync('Z');

            var error = answer.Should().ContainSingle(m => m.Code == 'E').Which;
            error.Field('C').Should().Be(sqlState, "the attack needs a kept class to work at all");
            error.Text.Should().NotContain(leaked, "the SSN 123-45-6789, spelled otherwise");
            error.Field('M').Should().Be(expected);
        }

        await Recording.StatementRecordingTests.WaitForSessionEndAsync(recording);
        var recorded = await File.ReadAllTextAsync(recording);
        recorded.Should().Contain(expected.Split(':')[0]);
        recorded.Should().NotContain(leaked);
    }

    [Test]
    public async Task UsefulErrors_StayReadableThroughTheSidecar()
    {
        await StartSidecarAsync(SessionAction.Read);
        await using var client = await ConnectAsync();

        await client.SendAsync(RawProtocolClient.Query("select 'a'::text = 1"));
        (await client.ReadUntilAsync('Z')).Should().ContainSingle(m => m.Code == 'E').Which.Field('M').Should().Be("operator does not exist: REDACTED", "a signature the client did not write could spell a value");
        await client.SendAsync(RawProtocolClient.Query("select * from no_such"));
        (await client.ReadUntilAsync('Z')).Should().ContainSingle(m => m.Code == 'E').Which.Field('M').Should().Be("relation \"no_such\" does not exist");
    }

    [Test]
    public async Task TheErrorPosition_CannotBeSteeredByAMaskedValue()
    {
        // A hostile probe's finding: P = 1 + ascii of the SSN's first character, one statement per character.
        await StartSidecarAsync(SessionAction.Read);
        await using var client = await ConnectAsync();

        await client.SendAsync(RawProtocolClient.Query("select (repeat(' ', ascii(substr(ssn, 1, 1))) || '1')::regtype from customers where id = 1"));
        var error = (await client.ReadUntilAsync('Z')).Should().ContainSingle(m => m.Code == 'E').Which;

        error.Field('C').Should().Be("42601", "the server did answer with the position inside the value");
        error.Field('P').Should().BeNull();
        error.Field('p').Should().BeNull();
    }

    [TestCase("select pg_notify('c', ssn) from customers")]
    [TestCase("notify c, 'from a read session'")]
    public async Task AReadSession_CannotSendNotifications(string sql)
    {
        // A hostile probe's finding: a listener elsewhere received the raw SSN from a read session.
        await StartSidecarAsync(SessionAction.Read);
        await using var admin = await harness.OpenAdminAsync();
        await using (var listen = new NpgsqlCommand("LISTEN c", admin))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var received = new List<string>();
        admin.Notification += (_, notification) => received.Add(notification.Payload);
        await using (var client = await ConnectAsync())
        {
            await client.SendAsync(RawProtocolClient.Query(sql));
            (await client.ReadUntilAsync('Z')).Should().Contain(m => m.Code == 'E' && m.Field('C') == "25006");
        }

        await admin.WaitAsync(TimeSpan.FromMilliseconds(500));
        received.Should().BeEmpty();
    }

    private async Task StartSidecarAsync(SessionAction action, TimeProvider? time = null, string? recordingPath = null)
    {
        // Column masking on, as in every run Pod: the session's catalog connection is what ends its backend at expiry.
        var masking = JsonDocument.Parse("""{ "columns": [ { "column": "public.customers.ssn", "strategy": "last4" } ], "detectors": ["ssn"] }""").RootElement.Clone();
        var options = harness.Options(action, expiresAt: Start.AddMinutes(5), masking: masking, recordingPath: recordingPath);
        var clock = time ?? new ManualTimeProvider(Start);
        await harness.StartAsync(options, clock, SessionFeatureFactory.Create(options, clock, NullLogger.Instance));
    }

    private async Task<RawProtocolClient> ConnectAsync()
    {
        var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        return client;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
