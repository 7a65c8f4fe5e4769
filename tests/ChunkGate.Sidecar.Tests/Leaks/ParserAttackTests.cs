using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Leaks;

/// <summary>
/// Attacks from issue 11 on what the sidecar reads of a statement (holes 1, 2, 6 and 7): COPY plans
/// falling out of step, COPY options misread, read sessions writing, and the classifier fooled by
/// spellings only the server's parser resolves. Real PostgreSQL through the real sidecar, with
/// masking on and a role that can read the raw values, so only the sidecar stands in the way.
/// </summary>
[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class ParserAttackTests(SidecarBuild build)
{
    private SidecarHarness harness = null!;
    private string keyPath = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("parse", $"""
            CREATE TABLE people (id int PRIMARY KEY, name text, ssn text, card text, email text);
            INSERT INTO people VALUES (1, 'Alice', '{LeakTests.Ssn}', '{LeakTests.Card}', '{LeakTests.Email}'), (2, 'Bob', '987-65-4321', '5500000000000004', 'bob@example.org');
            """, build);
        keyPath = Path.Combine(Path.GetDirectoryName(harness.UsernameFile)!, "hash.key");
        await File.WriteAllBytesAsync(keyPath, RandomNumberGenerator.GetBytes(32));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    private JsonElement Masking => JsonDocument.Parse($$"""
        { "columns": [ { "column": "public.people.ssn", "strategy": "last4" }, { "column": "public.people.email", "strategy": "hash" },
                       { "column": "public.people.card", "strategy": "redact" } ],
          "detectors": ["ssn", "card", "email"],
          "hashKeyFile": "{{keyPath}}" }
        """).RootElement.Clone();

    private async Task<RawProtocolClient> ConnectAsync(SessionAction action)
    {
        var options = harness.Options(action, masking: Masking);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
        var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        return client;
    }

    private static async Task<List<RawMessage>> QueryAsync(RawProtocolClient client, string sql)
    {
        await client.SendAsync(RawProtocolClient.Query(sql));
        return await client.ReadUntilAsync('Z');
    }

    // Hole 1: a COPY the server rejects before its CopyOutResponse must not leave its plan (here: all
    // int columns, passed through) for the next COPY, which then came back raw.
    [TestCase("COPY people (id, id, id) TO STDOUT", false)]
    [TestCase("COPY (SELECT id, id, id FROM people) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (nosuch))", false)]
    [TestCase("COPY (SELECT id, id, id FROM people) TO STDOUT", true)]
    [TestCase("COPY (SELECT id, id, id FROM people) TO STDOUT WITH (FORMAT csv", false)]
    public async Task Copy_RejectedByTheServer_LeavesNoPlanForTheNextCopy(string rejected, bool inAbortedTransaction)
    {
        await using var client = await ConnectAsync(SessionAction.Export);
        if (inAbortedTransaction)
        {
            await QueryAsync(client, "BEGIN");
            (await QueryAsync(client, "SELECT 1/0")).Should().Contain(m => m.Code == 'E');
        }

        (await QueryAsync(client, rejected)).Should().Contain(m => m.Code == 'E', "the first COPY fails");
        if (inAbortedTransaction)
        {
            await QueryAsync(client, "ROLLBACK");
        }

        for (var round = 0; round < 2; round++)
        {
            var messages = await QueryAsync(client, "COPY (SELECT ssn, card, email FROM people ORDER BY id) TO STDOUT");
            messages.Select(m => m.Code).Should().Contain('d', "the next COPY runs, masked");
        }

        LeakTests.AssertNoRawValue(client.Received, rejected);
    }

    // Hole 2: options the hand-written reader misread (a tab or Unicode-escaped delimiter, a header
    // switched off behind a comment or a quoted identifier) or that the masker cannot follow.
    [TestCase("COPY (SELECT id, ssn, card, email FROM people ORDER BY id) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\t')")]
    [TestCase("COPY (SELECT id, ssn, card, email FROM people ORDER BY id) TO STDOUT WITH (DELIMITER U&'\\007c')")]
    [TestCase("COPY (SELECT id, ssn, card, email FROM people ORDER BY id) TO STDOUT WITH DELIMITER AS U&'!007c' UESCAPE '!'")]
    [TestCase("COPY (SELECT ssn, card, email FROM people ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER /* on */ false)")]
    [TestCase("COPY (SELECT ssn, card, email FROM people ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER \"off\")")]
    [TestCase("COPY (SELECT ssn, card, email FROM people ORDER BY id) TO STDOUT WITH (FORMAT text, HEADER 0)")]
    [TestCase("COPY (SELECT 'a,b', ssn, card, email FROM people ORDER BY id) TO STDOUT WITH (FORMAT csv, QUOTE '''')")]
    [TestCase("COPY (SELECT id, ssn, card, email FROM people ORDER BY id) TO STDOUT WITH (FORMAT csv, NULL '1')")]
    [TestCase("COPY (SELECT id, ssn, card, email FROM people ORDER BY id) TO STDOUT CSV DELIMITER E'\\x7c'")]
    public async Task CopyOptions_AreReadAsPostgreSqlReadsThem(string sql)
    {
        await using var client = await ConnectAsync(SessionAction.Export);

        var messages = await QueryAsync(client, sql);

        var refused = messages.Any(m => m.Code == 'E' && (m.Field('M') ?? "").Contains("ChunkGate sidecar refused", StringComparison.Ordinal));
        (refused || messages.Any(m => m.Code == 'd')).Should().BeTrue("the COPY is either masked or refused");
        LeakTests.AssertNoRawValue(client.Received, sql);
    }

    // Hole 6: writes PostgreSQL's read-only transaction does not stop, and relations a session
    // creates from a masked table to read it back raw.
    [TestCase(SessionAction.Read, "EXPLAIN ANALYZE CREATE TABLE raw_copy AS SELECT * FROM people")]
    [TestCase(SessionAction.Read, "EXPLAIN (ANALYZE true) SELECT * INTO raw_copy FROM people")]
    [TestCase(SessionAction.Read, "EXPLAIN ANALYZE CREATE TEMP TABLE raw_copy AS SELECT * FROM people")]
    [TestCase(SessionAction.Read, "SELECT lo_from_bytea(0, convert_to(ssn, 'UTF8')) FROM people")]
    [TestCase(SessionAction.Read, "SELECT pg_catalog.lo_import('/etc/hostname')")]
    [TestCase(SessionAction.Read, "SELECT U&\"lo\\005fcreate\"(0)")]
    [TestCase(SessionAction.Read, "SELECT 1; SELECT lo_create(0)")]
    [TestCase(SessionAction.Export, "EXPLAIN ANALYZE CREATE TABLE raw_copy AS SELECT * FROM people")]
    [TestCase(SessionAction.Transform, "CREATE TEMP VIEW raw_copy AS SELECT * FROM people")]
    [TestCase(SessionAction.Transform, "CREATE VIEW raw_copy AS SELECT ssn, card, email FROM people")]
    [TestCase(SessionAction.Transform, "CREATE MATERIALIZED VIEW raw_copy AS SELECT * FROM people")]
    [TestCase(SessionAction.Transform, "CREATE TEMP TABLE raw_copy AS SELECT * FROM people")]
    [TestCase(SessionAction.Transform, "SELECT * INTO TEMP raw_copy FROM people")]
    public async Task SessionsCannotCopyMaskedDataAside(SessionAction action, string sql)
    {
        await using var client = await ConnectAsync(action);

        var messages = await QueryAsync(client, sql);
        var read = await QueryAsync(client, "SELECT * FROM raw_copy");

        messages.Should().Contain(m => m.Code == 'E' && m.Field('M')!.Contains("ChunkGate sidecar refused", StringComparison.Ordinal));
        read.Should().Contain(m => m.Code == 'E' && m.Field('C') == "42P01", "no relation raw_copy was created");
        LeakTests.AssertNoRawValue(client.Received, sql);
        await using var admin = await harness.OpenAdminAsync();
        await using var objects = new NpgsqlCommand("SELECT (SELECT count(*) FROM pg_largeobject_metadata) + (SELECT count(*) FROM pg_class WHERE relname = 'raw_copy')", admin);
        (await objects.ExecuteScalarAsync()).Should().Be(0L, "nothing persisted");
    }

    // Hole 7: settings that blind the sidecar's reading, and names spelled so a tokenizer misses them.
    [TestCase("SET standard_conforming_strings = off")]
    [TestCase("SET SESSION standard_conforming_strings TO 'of'")]
    [TestCase("SET U&\"standard\\005fconforming\\005fstrings\" = false")]
    [TestCase("SELECT set_config('standard_conforming_strings', 'off', false)")]
    [TestCase("SET client_encoding = 'SJIS'")]
    [TestCase("SET NAMES 'GBK'")]
    [TestCase("SET U&\"default\\005ftransaction\\005fread\\005fonly\" = off")]
    [TestCase("SET \"default_transaction_read_only\" TO 0")]
    [TestCase("SELECT U&\"set\\005fconfig\"('default_transaction_read_only', 'off', false)")]
    public async Task SettingsThatChangeHowTheServerReadsStatements_AreRefused(string sql)
    {
        await using var client = await ConnectAsync(SessionAction.Read);

        var set = await QueryAsync(client, sql);
        // With standard_conforming_strings off the server reads a DO block here that a standard reading takes for a string.
        var hidden = await QueryAsync(client, "SELECT '\\' ' ; DO $$ BEGIN CREATE TABLE raw_copy AS SELECT 1; END $$; SELECT ' '");
        var settings = await QueryAsync(client, "SELECT current_setting('standard_conforming_strings') || current_setting('client_encoding') || current_setting('default_transaction_read_only')");

        set.Should().Contain(m => m.Code == 'E' && m.Field('M')!.Contains("ChunkGate sidecar refused", StringComparison.Ordinal));
        hidden.Should().Contain(m => m.Code == 'E' && m.Field('M')!.Contains("ChunkGate sidecar refused", StringComparison.Ordinal));
        Encoding.UTF8.GetString(settings.Single(m => m.Code == 'D').Body).Should().Contain("onUTF8on");
        await using var admin = await harness.OpenAdminAsync();
        await using var created = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relname = 'raw_copy'", admin);
        (await created.ExecuteScalarAsync()).Should().Be(0L, "the hidden DO block never ran");
    }

    [TestCase("SJIS")]
    [TestCase("LATIN1")]
    [TestCase("SQL_ASCII")]
    [TestCase("GB18030")]
    public async Task StartupWithANonUtf8ClientEncoding_IsRefused(string encoding)
    {
        var options = harness.Options(SessionAction.Read, masking: Masking);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);

        await client.SendAsync(RawProtocolClient.StartupPacket(("user", "job"), ("database", harness.Database), ("client_encoding", encoding)));
        var first = await client.ReadMessageAsync();

        first!.Code.Should().Be('E');
        first.Field('M').Should().Contain("client_encoding");
    }

    [TestCase("SELEC ssn FROM people")]
    [TestCase("SELECT 1; SELECT ssn FROM people WHERE")]
    [TestCase("SELECT E'\\\\'' ; DO $$ BEGIN END $$")]
    public async Task TextThatDoesNotParse_IsRefusedBeforeTheServer(string sql)
    {
        await using var client = await ConnectAsync(SessionAction.Read);

        var messages = await QueryAsync(client, sql);

        var error = messages.Single(m => m.Code == 'E');
        error.Field('C').Should().Be("42601");
        error.Field('M').Should().Contain("ChunkGate sidecar refused");
    }
}
