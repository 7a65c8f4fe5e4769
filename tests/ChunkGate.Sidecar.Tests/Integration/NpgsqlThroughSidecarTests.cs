using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Tests.Support;
using Npgsql;
using NpgsqlTypes;

namespace ChunkGate.Sidecar.Tests.Integration;

[Category("PostgreSQL")]
internal sealed class NpgsqlThroughSidecarTests
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("npgsql", ProxyTestData.Setup);
        await harness.StartAsync(harness.Options(SessionAction.Read));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    [Test]
    public async Task ExtendedProtocol_ReturnsTypedRowsInBinary_ForPreparedStatements()
    {
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new NpgsqlCommand("SELECT id, name, balance, born, tags, photo FROM customers WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer });
        await command.PrepareAsync();
        foreach (var id in new[] { 7, 42, 7 })
        {
            command.Parameters[0].Value = id;
            await using var reader = await command.ExecuteReaderAsync();
            (await reader.ReadAsync()).Should().BeTrue();
            reader.GetInt32(0).Should().Be(id);
            reader.GetString(1).Should().Be($"customer {id}");
            reader.GetDecimal(2).Should().Be(id * 1.5m);
            reader.GetFieldValue<DateOnly>(3).Should().Be(new DateOnly(2000, 1, 1).AddDays(id));
            reader.GetFieldValue<string[]>(4).Should().Equal($"a{id}", "b");
            reader.GetFieldValue<byte[]>(5).Should().HaveCount(id);
        }
    }

    [Test]
    public async Task Batches_ArePipelined_AndEachResultArrivesInOrder()
    {
        await using var connection = await harness.OpenSidecarAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT count(*) FROM customers"),
                new NpgsqlBatchCommand("SELECT name FROM customers WHERE id = 3"),
                new NpgsqlBatchCommand("SELECT 'third'"),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetInt64(0).Should().Be(200);
        (await reader.NextResultAsync()).Should().BeTrue();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(0).Should().Be("customer 3");
        (await reader.NextResultAsync()).Should().BeTrue();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(0).Should().Be("third");
    }

    [Test]
    public async Task LargeValues_StreamThroughIntact()
    {
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new NpgsqlCommand("SELECT id, payload FROM wide ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lengths = new List<int>();
        while (await reader.ReadAsync())
        {
            var payload = reader.GetString(1);
            payload.Distinct().Should().HaveCount(1);
            lengths.Add(payload.Length);
        }

        lengths.Should().Equal(8192, 65536, 3_000_000);
    }

    [Test]
    public async Task Session_IsReadOnlyAndRunsAsTheApprovedRole_WhateverUserTheClientNamed()
    {
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new NpgsqlCommand("SELECT current_user, current_database(), current_setting('default_transaction_read_only')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();
        reader.GetString(0).Should().Be(harness.Role);
        reader.GetString(1).Should().Be(harness.Database);
        reader.GetString(2).Should().Be("on");
        connection.PostgreSqlVersion.Major.Should().BeGreaterThanOrEqualTo(14, "ParameterStatus server_version reached the client");
    }

    [Test]
    public async Task Cancel_ReachesTheRightBackend()
    {
        await using var connection = await harness.OpenSidecarAsync();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        var running = command.ExecuteNonQueryAsync();
        await using (var admin = await harness.OpenAdminAsync())
        {
            await ActiveQueries.WaitUntilRunningAsync(admin, "SELECT pg_sleep(30)");
        }

        command.Cancel();
        var act = async () => await running;
        (await act.Should().ThrowAsync<OperationCanceledException>()).WithInnerException<PostgresException>().Which.SqlState.Should().Be("57014");
        await using var after = new NpgsqlCommand("SELECT 1", connection);
        (await after.ExecuteScalarAsync()).Should().Be(1, "the session survives a cancelled statement");
    }

    [Test]
    public async Task OtherDatabase_IsRefused_BecauseTheApprovalDecides()
    {
        var act = async () => await harness.OpenSidecarAsync("postgres");
        var error = (await act.Should().ThrowAsync<PostgresException>()).Which;
        error.SqlState.Should().Be("3D000");
        error.MessageText.Should().Contain("not the approved database");
    }

    [Test]
    public async Task StartupOptions_AreRefused_SoTheClientCannotUndoReadOnly()
    {
        var builder = new NpgsqlConnectionStringBuilder(harness.SidecarConnectionString()) { Options = "-c default_transaction_read_only=off" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        var act = async () => await connection.OpenAsync();
        (await act.Should().ThrowAsync<PostgresException>()).Which.SqlState.Should().Be("42501");
    }

    [Test]
    public async Task NotificationsAndNotices_ReachTheClient()
    {
        await using var connection = await harness.OpenSidecarAsync();
        var notices = new List<string>();
        connection.Notice += (_, e) => notices.Add(e.Notice.MessageText);
        string? payload = null;
        connection.Notification += (_, e) => payload = e.Payload;
        await using (var listen = new NpgsqlCommand("LISTEN chunkgate_test", connection))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await using (var admin = await harness.OpenAdminAsync())
        await using (var notify = new NpgsqlCommand("NOTIFY chunkgate_test, 'hello'", admin))
        {
            await notify.ExecuteNonQueryAsync();
        }

        (await connection.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        payload.Should().Be("hello");
        await using var noisy = new NpgsqlCommand("SELECT noisy()", connection);
        (await noisy.ExecuteScalarAsync()).Should().Be(1);
        notices.Should().Equal("visible notice");
    }
}
