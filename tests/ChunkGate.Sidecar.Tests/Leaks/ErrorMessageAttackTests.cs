using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Sidecar.Tests.Leaks;

/// <summary>
/// A hostile tester's attacks on the words of errors and notifications under column rules: a value
/// kept because the client "wrote it" in a comment or as part of a longer word, values in the
/// messages of SQLSTATE classes other than 22 (54000, 22023 without a colon), and a NOTIFY whose
/// channel is the value. No raw value may reach the client or the recording.
/// </summary>
[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class ErrorMessageAttackTests(SidecarBuild build)
{
    private SidecarHarness harness = null!;
    private string recordingPath = null!;

    [OneTimeSetUp]
    public async Task CreateAsync()
    {
        harness = await SidecarHarness.CreateAsync("errattack", """
            CREATE TABLE customers (id int PRIMARY KEY, ssn text, birth date, card text, diagnosis text);
            INSERT INTO customers VALUES (1, '123-45-6789', '1980-04-12', '4111111111111111', 'Asthma');
            """, build);
        recordingPath = Path.Combine(Path.GetDirectoryName(harness.UsernameFile)!, "recording", "session.jsonl");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TestCase("select birth::text::regclass from customers where id=1 /* 1980-04-12 */", "1980-04-12", TestName = "Error_QuotedValueWrittenInABlockComment_IsRedacted")]
    [TestCase("select birth::text::regclass from customers where id=1 -- 1980-04-12\n", "1980-04-12", TestName = "Error_QuotedValueWrittenInALineComment_IsRedacted")]
    [TestCase("select diagnosis::regclass from customers where id=1 /* xxAsthmaxx */", "Asthma", TestName = "Error_QuotedValueInsideALongerCommentWord_IsRedacted")]
    [TestCase("select diagnosis::regclass from customers where id=1 and 'xxAsthmaxx' <> ''", "Asthma", TestName = "Error_QuotedValueInsideALongerStringConstant_IsRedacted")]
    [TestCase("select diagnosis::regclass from customers where id=1 and 'xxasthmaxx' is not null", "asthma", TestName = "Error_QuotedValueInsideALongerLowerCaseConstant_IsRedacted")]
    [TestCase("select chr(replace(ssn,'-','')::int) from customers where id=1", "123456789", TestName = "Error_54000OfChr_DoesNotCarryTheDigits")]
    [TestCase("select chr(to_char(birth,'YYYYMMDD')::int) from customers where id=1", "19800412", TestName = "Error_54000OfChrOfADate_DoesNotCarryTheDate")]
    [TestCase("select chr(substr(card,1,8)::int) from customers where id=1", "41111111", TestName = "Error_54000OfChrOfACardPrefix_DoesNotCarryTheDigits")]
    [TestCase("select setseed(extract(year from birth)) from customers where id=1", "1980", TestName = "Error_22023WithoutAColon_DoesNotCarryTheYear")]
    [TestCase("select make_date(extract(year from birth)::int, 13, 1) from customers where id=1", "1980", TestName = "Error_22008OfMakeDate_DoesNotCarryTheYear")]
    [TestCase("listen \"Asthma\"; select pg_notify(diagnosis, 'x') from customers", "Asthma", TestName = "Notification_ChannelNamedByTheValue_DoesNotReachTheClient")]
    [TestCase("listen asthma; select pg_notify(lower(diagnosis), 'x') from customers", "asthma", TestName = "Notification_ChannelNamedByTheLowerCasedValue_DoesNotReachTheClient")]
    public async Task Attack_NeverDeliversARawValue(string sql, string raw)
    {
        await StartAsync();
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(sql));
        var messages = await client.ReadUntilAsync('Z');

        // A notification's arrival alone answers "is the value the channel I listen on?".
        messages.Should().NotContain(m => m.Code == 'A');
        foreach (var error in messages.Where(m => m.Code == 'E'))
        {
            error.Field('C').Should().NotBeNullOrEmpty("the SQLSTATE is kept");
        }

        var answers = string.Join('\n', messages.Where(m => m.Code != 'Z').Select(m => string.Join('|', "SMDHWq".Select(m.Field))));
        answers.Should().NotContainEquivalentOf(raw, $"'{raw}' must not reach the client via {sql}");

        // The recording is written asynchronously; restarting the sidecar flushes it. The client's
        // own statement is recorded as written; no recorded error message may carry the value.
        await harness.StartAsync(harness.Options());
        var errors = (await File.ReadAllLinesAsync(recordingPath))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(line => line.TryGetProperty("message", out _))
            .Select(line => line.GetProperty("message").GetString());
        errors.Should().NotContain(message => message!.Contains(raw, StringComparison.OrdinalIgnoreCase), "the recording holds nothing the client did not see");
    }

    [Test]
    public async Task Error_WithheldMessage_KeepsTheSqlStateAndDropsDetailHintAndContext()
    {
        await StartAsync();
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query("select chr(replace(ssn,'-','')::int) from customers where id=1"));

        var error = (await client.ReadUntilAsync('Z')).Single(m => m.Code == 'E');

        error.Field('C').Should().Be("54000");
        error.Field('M').Should().Be("ERROR 54000 (message withheld by ChunkGate: it may carry masked data)");
        error.Field('D').Should().BeNull();
        error.Field('H').Should().BeNull();
        error.Field('W').Should().BeNull();
    }

    [TestCase("SELECT * FROM no_such_table", "relation \"no_such_table\" does not exist")]
    [TestCase("SELECT * FROM public.no_such_table", "relation \"public.no_such_table\" does not exist")]
    [TestCase("SELECT * FROM \"Mixed Case\"", "relation \"Mixed Case\" does not exist")]
    [TestCase("SELECT no_such_column FROM customers", "column \"no_such_column\" does not exist")]
    [TestCase("SELECT 'asthma'::regclass", "relation \"asthma\" does not exist")]
    public async Task Error_BuiltFromTheClientsOwnTokens_StaysReadable(string sql, string expected)
    {
        await StartAsync();
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(sql));

        var error = (await client.ReadUntilAsync('Z')).Single(m => m.Code == 'E');

        error.Field('M').Should().Be(expected);
    }

    private async Task StartAsync()
    {
        var masking = JsonDocument.Parse("""
            { "columns": [ { "column": "public.customers.ssn", "strategy": "last4" }, { "column": "public.customers.birth", "strategy": "redact" },
                           { "column": "public.customers.card", "strategy": "redact" }, { "column": "public.customers.diagnosis", "strategy": "redact" } ],
              "detectors": ["ssn", "card", "email"] }
            """).RootElement.Clone();
        var options = harness.Options(SessionAction.Read, masking: masking, recordingPath: recordingPath);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
    }
}
