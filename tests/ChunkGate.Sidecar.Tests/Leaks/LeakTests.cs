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
/// Tries to get a masked value out by every route a client has, through a role that can read
/// the raw values (so the sidecar alone masks), and asserts the raw value never appears in any
/// byte the client receives nor in the recording.
/// </summary>
[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class LeakTests(SidecarBuild build)
{
    internal const string Ssn = "123-45-6789";
    internal const string Card = "4111111111111111";
    internal const string Email = "alice.secret@example.com";
    private const string OtherSsn = "987-65-4321";

    internal static readonly string[] RawValues = [Ssn, Card, Email, OtherSsn, "6789-54-321", "alice.secret"];

    private SidecarHarness harness = null!;
    private string recordingPath = null!;
    private string keyPath = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("leak", $"""
            CREATE TABLE people (id int PRIMARY KEY, name text, ssn text UNIQUE, card text, email text);
            INSERT INTO people VALUES (1, 'Alice', '{Ssn}', '{Card}', '{Email}'), (2, 'Bob', '{OtherSsn}', '5500000000000004', 'bob@example.org');
            CREATE VIEW people_view AS SELECT id, ssn AS social, email FROM people;
            CREATE FUNCTION whisper() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'found %', (SELECT ssn FROM people WHERE id = 1); RETURN 1; END $$;
            """, build);
        var directory = Path.GetDirectoryName(harness.UsernameFile)!;
        recordingPath = Path.Combine(directory, "recording", "session.jsonl");
        keyPath = Path.Combine(directory, "hash.key");
        await File.WriteAllBytesAsync(keyPath, RandomNumberGenerator.GetBytes(32));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    private JsonElement Masking => JsonDocument.Parse($$"""
        { "columns": [ { "column": "public.people.ssn", "strategy": "last4" }, { "column": "public.people.email", "strategy": "hash" } ],
          "detectors": ["ssn", "card", "email"],
          "hashKeyFile": "{{keyPath}}" }
        """).RootElement.Clone();

    private async Task StartAsync(SessionAction action)
    {
        var options = harness.Options(action, masking: Masking, recordingPath: recordingPath);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
    }

    [TestCase("SELECT ssn, email, card FROM people")]
    [TestCase("SELECT ssn AS x, email AS y FROM people")]
    [TestCase("SELECT * FROM people")]
    [TestCase("SELECT * FROM people_view")]
    [TestCase("SELECT p.*, q.ssn FROM people p JOIN people q ON q.id = p.id")]
    [TestCase("SELECT upper(ssn), ssn || '', lower(email), 'card ' || card FROM people")]
    [TestCase("SELECT ssn::varchar(20), email::char(40) FROM people")]
    [TestCase("SELECT row_to_json(p) FROM people p")]
    [TestCase("SELECT array_agg(ssn), array_agg(email), array_agg(card) FROM people")]
    [TestCase("SELECT json_agg(people_view) FROM people_view")]
    [TestCase("SELECT ssn::int FROM people")]
    [TestCase("SELECT whisper()")]
    [TestCase("SELECT * FROM people WHERE ssn = '123-45-6789'")]
    [TestCase("SELECT 1/0 FROM people WHERE ssn = '123-45-6789' -- 4111111111111111")]
    public async Task SimpleQuery_NeverRevealsARawValue(string sql)
    {
        await StartAsync(SessionAction.Read);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(sql));
        var messages = await client.ReadUntilAsync('Z');
        messages.Should().NotContain(m => m.Code == 'E' && m.Field('S') == "FATAL");
        AssertNoRawValue(client.Received, sql);
        await AssertRecordingCleanAsync();
    }

    [Test]
    public async Task SimpleQuery_MasksRuleColumnsAndDetectedValues()
    {
        await StartAsync(SessionAction.Read);
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new NpgsqlCommand("SELECT ssn, email, card, name FROM people WHERE id = 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(0).Should().EndWith("6789").And.NotBe(Ssn);
        reader.GetString(1).Should().NotBe(Email);
        reader.GetString(2).Should().NotBe(Card);
        reader.GetString(3).Should().Be("Alice", "unmasked columns pass through");
    }

    [Test]
    public async Task ExtendedProtocol_Binary_Prepared_NeverRevealsARawValue()
    {
        await StartAsync(SessionAction.Read);
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new NpgsqlCommand("SELECT ssn, email, card, upper(ssn), id FROM people WHERE id = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = 1 } },
        };
        await command.PrepareAsync();
        for (var round = 0; round < 2; round++)
        {
            await using var reader = await command.ExecuteReaderAsync();
            (await reader.ReadAsync()).Should().BeTrue();
            var values = Enumerable.Range(0, 4).Select(reader.GetString).ToList();
            values.Should().NotContain(value => RawValues.Any(raw => value.Contains(raw, StringComparison.Ordinal)));
            reader.GetInt32(4).Should().Be(1);
        }
    }

    [Test]
    public async Task PreparedStatement_ExecutedWithoutDescribe_AfterAlterTable_NeverRevealsARawValue()
    {
        await StartAsync(SessionAction.Read);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        byte[] Cstr(string text) => [.. Encoding.UTF8.GetBytes(text), 0];
        byte[] Execute() => [
            .. RawProtocolClient.Message('B', [.. Cstr(""), .. Cstr("s1"), 0, 0, 0, 0, 0, 1, 0, 1]),
            .. RawProtocolClient.Message('E', [.. Cstr(""), 0, 0, 0, 0]),
            .. RawProtocolClient.Message('S', []),
        ];
        await client.SendAsync([.. RawProtocolClient.Message('P', [.. Cstr("s1"), .. Cstr("SELECT * FROM people"), 0, 0]), .. Execute()]);
        var first = await client.ReadUntilAsync('Z');
        first.Select(m => m.Code).Should().Equal('1', '2', 'D', 'D', 'C', 'Z');

        await using (var admin = await harness.OpenAdminAsync())
        await using (var alter = new NpgsqlCommand("ALTER TABLE people ADD COLUMN nickname text; ALTER TABLE people DROP COLUMN name", admin))
        {
            await alter.ExecuteNonQueryAsync();
        }

        try
        {
            await client.SendAsync(Execute());
            await client.ReadUntilAsync('Z');
            await client.SendAsync([.. RawProtocolClient.Message('C', [(byte)'S', .. Cstr("s1")]), .. RawProtocolClient.Message('P', [.. Cstr("s1"), .. Cstr("SELECT * FROM people"), 0, 0]), .. Execute()]);
            var again = await client.ReadUntilAsync('Z');
            again.Count(m => m.Code == 'D').Should().Be(2);
            AssertNoRawValue(client.Received, "prepared statement after ALTER TABLE");
        }
        finally
        {
            await using var admin = await harness.OpenAdminAsync();
            await using var restore = new NpgsqlCommand("ALTER TABLE people DROP COLUMN nickname; ALTER TABLE people ADD COLUMN name text; UPDATE people SET name = CASE id WHEN 1 THEN 'Alice' ELSE 'Bob' END", admin);
            await restore.ExecuteNonQueryAsync();
        }
    }

    [TestCase("COPY people TO STDOUT")]
    [TestCase("COPY (SELECT ssn, email, card FROM people) TO STDOUT WITH (FORMAT csv, HEADER)")]
    [TestCase("COPY (SELECT social FROM people_view) TO STDOUT")]
    [TestCase("COPY (SELECT row_to_json(p) FROM people p) TO STDOUT")]
    public async Task CopyToStdout_NeverRevealsARawValue(string sql)
    {
        await StartAsync(SessionAction.Export);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(sql));
        var messages = await client.ReadUntilAsync('Z');
        messages.Select(m => m.Code).Should().Contain('H').And.Contain('d');
        AssertNoRawValue(client.Received, sql);
        await AssertRecordingCleanAsync();
    }

    // Megabytes of rows: masked across many reads of the database socket and many writes to the client.
    [TestCase("COPY (SELECT p.*, g FROM people p, generate_series(1, 20000) g) TO STDOUT WITH (FORMAT csv)", 'd')]
    [TestCase("SELECT p.*, g FROM people p, generate_series(1, 20000) g", 'D')]
    public async Task LargeResult_NeverRevealsARawValue_InAnyRow(string sql, char rowCode)
    {
        await StartAsync(SessionAction.Export);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query(sql));
        var messages = await client.ReadUntilAsync('Z');
        messages.Count(m => m.Code == rowCode).Should().Be(40_000);
        messages.Should().NotContain(m => m.Code == 'E');
        AssertNoRawValue(client.Received, sql);
        await AssertRecordingCleanAsync();
    }

    [Test]
    public async Task CopyInTheExtendedProtocol_IsRefusedWhileMasking()
    {
        await StartAsync(SessionAction.Export);
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new NpgsqlCommand("COPY people TO STDOUT", connection) { Parameters = { new NpgsqlParameter { Value = 1 } } };
        var act = async () => await command.ExecuteNonQueryAsync();
        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("42501");
    }

    [Test]
    public async Task UniqueViolation_DoesNotEchoTheKey()
    {
        await StartAsync(SessionAction.Write);
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync(RawProtocolClient.Query($"INSERT INTO people (id, ssn) VALUES (3, '{Ssn}')"));
        var messages = await client.ReadUntilAsync('Z');
        var error = messages.Single(m => m.Code == 'E');
        error.Field('C').Should().Be("23505");
        AssertNoRawValue(client.Received, "unique violation");
        await AssertRecordingCleanAsync();
    }

    [Test]
    public async Task Replay_PrintsATimelineWithoutRawValues()
    {
        await StartAsync(SessionAction.Read);
        await using (var connection = await harness.OpenSidecarAsync())
        await using (var command = new NpgsqlCommand($"SELECT * FROM people WHERE ssn = '{Ssn}'", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        await harness.StartAsync(harness.Options());
        var output = new StringWriter();
        ReplayCommand.Run(recordingPath, output, TextWriter.Null).Should().Be(0);
        output.ToString().Should().Contain("people");
        RawValues.Should().NotContain(raw => output.ToString().Contains(raw, StringComparison.Ordinal));
    }

    internal static void AssertNoRawValue(List<byte> received, string route)
    {
        var bytes = received.ToArray();
        foreach (var raw in RawValues)
        {
            bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(raw)).Should().Be(-1, $"'{raw}' must not reach the client via {route}");
        }
    }

    private async Task AssertRecordingCleanAsync()
    {
        // The recording is written asynchronously; restarting the sidecar flushes it.
        await harness.StartAsync(harness.Options());
        if (!File.Exists(recordingPath))
        {
            return;
        }

        var text = await File.ReadAllTextAsync(recordingPath);
        RawValues.Should().NotContain(raw => text.Contains(raw, StringComparison.Ordinal), "the recording never holds unmasked data");
    }
}
