using System.Text;
using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Sidecar.Tests.Leaks;

/// <summary>
/// Issue 11, holes 3 and 4: a masked value the detectors cannot recognise (a diagnosis) must not
/// come back in any message other than a row: ParameterStatus after set_config, a NOTIFY payload,
/// the words of an error or notice (failed casts, lookups by name, JSON parse errors, RAISE in
/// function code), and the recording must hold nothing the client did not see.
/// </summary>
[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class ServerMessageLeakTests(SidecarBuild build)
{
    private const string Diagnosis = "Xylophobia";
    private const string Ssn = "123-45-6789";

    private SidecarHarness harness = null!;
    private string recordingPath = null!;

    [OneTimeSetUp]
    public async Task CreateAsync()
    {
        harness = await SidecarHarness.CreateAsync("srvleak", $"""
            CREATE TABLE patients (id int PRIMARY KEY, ssn text, diagnosis text);
            INSERT INTO patients VALUES (1, '{Ssn}', '{Diagnosis}');
            CREATE FUNCTION tag(t text) RETURNS text LANGUAGE sql AS $$ SELECT set_config('application_name', t, false) $$;
            CREATE FUNCTION shout(t text) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '%', t; END $$;
            CREATE FUNCTION murmur(t text) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'seen %', t; RETURN 1; END $$;
            """, build);
        recordingPath = Path.Combine(Path.GetDirectoryName(harness.UsernameFile)!, "recording", "session.jsonl");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [TestCase("SELECT tag(diagnosis) IS NULL FROM patients", TestName = "ParameterStatus_AfterSetConfigInAFunction_DoesNotCarryTheValue")]
    [TestCase("SELECT U&\"set\\005fconfig\"('application_name', diagnosis, false) IS NULL FROM patients", TestName = "ParameterStatus_AfterUnicodeEscapedSetConfig_DoesNotCarryTheValue")]
    [TestCase("SELECT tag(ssn) IS NULL FROM patients", TestName = "ParameterStatus_AfterSetConfigOfAnSsn_DoesNotCarryTheValue")]
    [TestCase("LISTEN leak; SELECT pg_notify('leak', diagnosis) FROM patients", TestName = "Notification_PayloadDoesNotCarryTheValue")]
    [TestCase("LISTEN leak; SELECT pg_notify('leak', 'ssn ' || ssn) FROM patients", TestName = "Notification_PayloadDoesNotCarryAnSsn")]
    [TestCase("SELECT diagnosis::int FROM patients", TestName = "Error_OfAFailedCast_DoesNotQuoteTheValue")]
    [TestCase("SELECT diagnosis::regclass FROM patients", TestName = "Error_OfALookupByName_DoesNotQuoteTheValue")]
    [TestCase("SELECT current_setting(diagnosis) FROM patients", TestName = "Error_OfAnUnknownSetting_DoesNotQuoteTheValue")]
    [TestCase("SELECT diagnosis::json FROM patients", TestName = "Error_OfAJsonParse_DoesNotQuoteTheValueInDetailOrContext")]
    [TestCase("SELECT shout(diagnosis) FROM patients", TestName = "Error_RaisedInFunctionCode_DoesNotCarryTheValue")]
    [TestCase("SELECT murmur(diagnosis) FROM patients", TestName = "Notice_RaisedInFunctionCode_DoesNotCarryTheValue")]
    public async Task ServerMessage_NeverCarriesAMaskedValue(string sql)
    {
        await StartAsync();
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(sql));
        await client.ReadUntilAsync('Z');

        // Case-insensitive: a lookup by name folds the value to lower case (relation "xylophobia").
        var received = Encoding.UTF8.GetString([.. client.Received]);
        foreach (var raw in new[] { Diagnosis, Ssn })
        {
            received.Should().NotContainEquivalentOf(raw, $"'{raw}' must not reach the client via {sql}");
        }

        // The recording is written asynchronously; restarting the sidecar flushes it.
        await harness.StartAsync(harness.Options());
        var recording = await File.ReadAllTextAsync(recordingPath);
        recording.Should().NotContainEquivalentOf(Diagnosis, "the recording holds nothing the client did not see").And.NotContain(Ssn);
    }

    [Test]
    public async Task Error_QuotingWhatTheClientWroteItself_StaysReadable()
    {
        await StartAsync();
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query("SELECT * FROM no_such_table"));

        var error = (await client.ReadUntilAsync('Z')).Single(m => m.Code == 'E');

        error.Field('M').Should().Be("relation \"no_such_table\" does not exist");
    }

    private async Task StartAsync()
    {
        var masking = JsonDocument.Parse("""
            { "columns": [ { "column": "public.patients.ssn", "strategy": "last4" }, { "column": "public.patients.diagnosis", "strategy": "redact" } ],
              "detectors": ["ssn", "card", "email"] }
            """).RootElement.Clone();
        var options = harness.Options(SessionAction.Read, masking: masking, recordingPath: recordingPath);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
    }
}
