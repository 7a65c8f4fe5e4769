using System.Text.Json;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Support;
using ChunkGate.Testing.Waiting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using static ChunkGate.Sidecar.Tests.Support.ExtendedMessages;

namespace ChunkGate.Sidecar.Tests.Recording;

/// <summary>
/// What the recording says about each execution, through the real sidecar against the real
/// PostgreSQL: one record per Execute with its statement's text and its Bind's parameter shapes,
/// answers attributed in order through errors, skipped pipeline tails, suspended portals and
/// empty queries; one record per simple Query message.
/// </summary>
[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class StatementRecordingTests(SidecarBuild build)
{
    private SidecarHarness harness = null!;
    private string directory = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("stmtrec", ProxyTestData.Setup, build);
        directory = Directory.CreateTempSubdirectory("chunkgate-recording-test-").FullName;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await harness.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Masking on (so the sidecar also adds Describes before Executes) and recording on, into a fresh file.</summary>
    private async Task<string> StartRecordingAsync(bool masking = true)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".jsonl");
        JsonElement? policy = masking
            ? JsonDocument.Parse("""{ "columns": [ { "column": "public.customers.name", "strategy": "redact" } ] }""").RootElement.Clone()
            : null;
        var options = harness.Options(SessionAction.Read, masking: policy, recordingPath: path);
        await harness.StartAsync(options, features: SessionFeatureFactory.Create(options, TimeProvider.System, NullLogger.Instance));
        return path;
    }

    /// <summary>Runs the messages as one raw session (startup, messages, read to the last ReadyForQuery, Terminate) and returns the recorded statements.</summary>
    private async Task<List<RecordedStatementLines>> RecordAsync(int readyForQueries, params byte[][] messages)
    {
        var path = await StartRecordingAsync();
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync([.. messages.SelectMany(m => m)]);
            for (var ready = 0; ready < readyForQueries; ready++)
            {
                await client.ReadUntilAsync('Z');
            }

            await client.SendAsync(RawProtocolClient.Message('X', []));
            (await client.ReadToEndAsync()).Should().BeEmpty();
        }

        return RecordingFile.Statements(await WaitForSessionEndAsync(path));
    }

    /// <summary>The recording is written asynchronously: wait for the session's last line.</summary>
    internal static async Task<List<JsonElement>> WaitForSessionEndAsync(string path)
    {
        List<JsonElement> lines = [];
        await Eventually.TrueAsync(
            async () =>
            {
                lines = File.Exists(path) ? await RecordingFile.ReadAsync(path) : [];
                return lines.Count > 0 && lines.Any(l => l.GetProperty("event").GetString() == "session.end" && l.GetProperty("session").GetInt64() == RecordingFile.LastSession(lines));
            },
            $"{path} holds the last session's session.end");
        return lines;
    }

    [Test]
    public async Task PreparedStatement_ExecutedThreeTimes_IsThreeRecordsWithTheSameTextAndShapes()
    {
        const string Sql = "SELECT id, name FROM customers WHERE id = $1 AND name <> $2";
        var statements = await RecordAsync(
            1,
            Parse("s1", Sql, 23, 25),
            Bind(string.Empty, "s1", [1, 0], RawProtocolClient.BigEndian(7), Text("abc")),
            Execute(),
            Bind(string.Empty, "s1", [1, 0], RawProtocolClient.BigEndian(8), Text("xyz")),
            Execute(),
            Bind(string.Empty, "s1", [1, 0], RawProtocolClient.BigEndian(9), Text("def")),
            Execute(),
            Sync());

        statements.Should().HaveCount(3);
        statements.Should().AllSatisfy(s =>
        {
            s.Text.Should().Be(Sql);
            s.Protocol.Should().Be("extended");
            s.Shapes.Should().Equal(("int4", 4, "binary"), ("text", 3, "text"));
            s.Tag.Should().Be("SELECT 1");
            s.Rows.Should().Be(1);
        });
    }

    [Test]
    public async Task Bind_ShapesFollowTheFormatCodes_AndNullIsLengthMinusOne()
    {
        var statements = await RecordAsync(
            1,
            Parse("s2", "SELECT $1::text, $2::int4, $3::text", 25, 0),
            Bind("p", "s2", [1], Text("a"), null, Text("bcd")),
            Execute("p"),
            Bind(string.Empty, "s2", [], Text("hello"), Text("12"), null),
            Execute(),
            Close('S', "s2"),
            Close('P', "p"),
            Sync());

        statements.Should().HaveCount(2);
        statements[0].Shapes.Should().Equal(("text", 1, "binary"), ("unspecified", -1, "binary"), ("unspecified", 3, "binary"));
        statements[1].Shapes.Should().Equal(("text", 5, "text"), ("unspecified", 2, "text"), ("unspecified", -1, "text"));
        statements.Should().AllSatisfy(s => s.Tag.Should().Be("SELECT 1"));
    }

    [Test]
    public async Task NpgsqlPreparedCommand_ExecutedThreeTimes_IsThreeRecordsWithTheSameText()
    {
        var path = await StartRecordingAsync();
        await using (var connection = await harness.OpenSidecarAsync())
        await using (var command = new NpgsqlCommand("SELECT name FROM customers WHERE id = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer });
            await command.PrepareAsync();
            foreach (var id in new[] { 3, 4, 5 })
            {
                command.Parameters[0].Value = id;
                (await command.ExecuteScalarAsync()).Should().Be("REDACTED");
            }
        }

        var statements = RecordingFile.Statements(await WaitForSessionEndAsync(path));
        var executions = statements.Where(s => s.Text == "SELECT name FROM customers WHERE id = $1").ToList();
        executions.Should().HaveCount(3);
        executions.Should().AllSatisfy(s =>
        {
            s.Shapes.Should().Equal(("int4", 4, "binary"));
            s.Tag.Should().Be("SELECT 1");
        });
    }

    [Test]
    public async Task ErrorInAPipeline_ClosesTheSkippedExecutionsAsSkipped_AndLaterAnswersKeepTheirOwner()
    {
        var statements = await RecordAsync(
            2,
            Run("SELECT generate_series(1, 1)"),
            Run("SELECT 1 / 0"),
            Run("SELECT generate_series(1, 2)"),
            Run("SELECT generate_series(1, 3)"),
            Sync(),
            Run("SELECT generate_series(1, 4)"),
            Sync());

        statements.Select(s => s.Text).Should().Equal(
            "SELECT generate_series(1, 1)", "SELECT 1 / 0", "SELECT generate_series(1, 2)", "SELECT generate_series(1, 3)", "SELECT generate_series(1, 4)");
        statements[0].Tag.Should().Be("SELECT 1");
        statements[1].ErrorCode.Should().Be("22012");
        statements[2].Ending.Should().Be("skipped");
        statements[3].Ending.Should().Be("skipped");
        statements[4].Tag.Should().Be("SELECT 4");
        statements[4].Rows.Should().Be(4);
    }

    [Test]
    public async Task ParseError_WithoutAnExecute_IsASessionError_AndTheNextPipelineKeepsItsAnswers()
    {
        var path = await StartRecordingAsync();
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync([.. Parse("bad", "SELECT no_such_column FROM pg_class"), .. Describe('S', "bad"), .. Sync(), .. Run("SELECT generate_series(1, 2)"), .. Sync()]);
            await client.ReadUntilAsync('Z');
            await client.ReadUntilAsync('Z');
            await client.SendAsync(RawProtocolClient.Message('X', []));
            await client.ReadToEndAsync();
        }

        var lines = await WaitForSessionEndAsync(path);
        lines.Should().Contain(l => l.GetProperty("event").GetString() == "error" && l.GetProperty("code").GetString() == "42703");
        var statement = RecordingFile.Statements(lines).Should().ContainSingle().Subject;
        statement.Tag.Should().Be("SELECT 2");
    }

    [Test]
    public async Task PortalSuspended_EveryExecuteIsItsOwnRecord()
    {
        var statements = await RecordAsync(
            1,
            Parse("s3", "SELECT generate_series(1, 5)"),
            Bind("cursor", "s3", []),
            Execute("cursor", maxRows: 2),
            Execute("cursor", maxRows: 2),
            Execute("cursor"),
            Run("SELECT generate_series(1, 6)"),
            Sync());

        statements.Should().HaveCount(4);
        statements.Take(3).Should().AllSatisfy(s => s.Text.Should().Be("SELECT generate_series(1, 5)"));
        statements[0].Ending.Should().Be("suspended");
        statements[0].Rows.Should().Be(2);
        statements[1].Ending.Should().Be("suspended");
        statements[1].Rows.Should().Be(2);
        statements[2].Ending.Should().BeNull();
        statements[2].Rows.Should().Be(1);
        statements[2].Tag.Should().StartWith("SELECT");
        statements[3].Tag.Should().Be("SELECT 6");
        statements[3].Rows.Should().Be(6);
    }

    [Test]
    public async Task MultiStatementQuery_IsOneRecordWithOneEndPerCompletion()
    {
        var statements = await RecordAsync(
            3,
            RawProtocolClient.Query("SELECT 1; SELECT generate_series(1, 2)"),
            RawProtocolClient.Query("SELECT generate_series(1, 3); SELECT 1 / 0; SELECT 4"),
            RawProtocolClient.Query("SELECT generate_series(1, 5)"));

        statements.Should().HaveCount(3);
        statements[0].Text.Should().Be("SELECT 1; SELECT generate_series(1, 2)");
        statements[0].Protocol.Should().Be("simple");
        statements[0].Ends.Select(e => e.GetProperty("tag").GetString()).Should().Equal("SELECT 1", "SELECT 2");
        statements[1].Ends.Should().HaveCount(2, "the error stops the rest of the string");
        statements[1].Ends[0].GetProperty("tag").GetString().Should().Be("SELECT 3");
        statements[1].Ends[1].GetProperty("error").GetProperty("code").GetString().Should().Be("22012");
        statements[2].Tag.Should().Be("SELECT 5");
    }

    [Test]
    public async Task EmptyQueries_AreRecordedAsEmpty_AndDoNotAbsorbTheNextAnswer()
    {
        var statements = await RecordAsync(
            2,
            RawProtocolClient.Query(" ; "),
            Run(string.Empty),
            Run("SELECT generate_series(1, 2)"),
            Sync());

        statements.Should().HaveCount(3);
        statements[0].Ending.Should().Be("empty");
        statements[1].Ending.Should().Be("empty");
        statements[2].Tag.Should().Be("SELECT 2");
    }

    [Test]
    public async Task NamedStatement_ClosedAndPreparedAgain_IsRecordedWithItsNewText()
    {
        var statements = await RecordAsync(
            1,
            Parse("again", "SELECT generate_series(1, 1)"),
            Bind(string.Empty, "again", []),
            Execute(),
            Close('S', "again"),
            Parse("again", "SELECT generate_series(1, 2)"),
            Bind(string.Empty, "again", []),
            Execute(),
            Sync());

        statements.Select(s => (s.Text, s.Tag)).Should().Equal(("SELECT generate_series(1, 1)", "SELECT 1"), ("SELECT generate_series(1, 2)", "SELECT 2"));
    }

    [Test]
    public async Task LargeBind_IsStreamed_AndRecordedWithItsLength()
    {
        var large = new byte[300_000];
        Array.Fill(large, (byte)'q');
        var statements = await RecordAsync(
            1,
            Parse(string.Empty, "SELECT length($1)", 25),
            Bind(string.Empty, string.Empty, [], large),
            Execute(),
            Sync());

        var statement = statements.Should().ContainSingle().Subject;
        statement.Shapes.Should().Equal(("text", 300_000, "text"));
        statement.Tag.Should().Be("SELECT 1");
    }
}
