using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Tests.Integration;
using ChunkGate.Sidecar.Tests.Support;
using static ChunkGate.Sidecar.Tests.Support.ExtendedMessages;

namespace ChunkGate.Sidecar.Tests.Robustness;

/// <summary>A Bind whose structure is impossible ends that session with a clear 08P01, before it reaches the server; the sidecar goes on serving.</summary>
[Category("PostgreSQL")]
[TestFixture(SidecarBuild.InProcess)]
[TestFixture(SidecarBuild.Shipped)]
internal sealed class MalformedBindTests(SidecarBuild build)
{
    private SidecarHarness harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        harness = await SidecarHarness.CreateAsync("badbind", ProxyTestData.Setup, build);
        await harness.StartAsync(harness.Options(SessionAction.Read));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await harness.DisposeAsync();

    private static byte[] Names => [.. CString(string.Empty), .. CString(string.Empty)];

    private static IEnumerable<TestCaseData> Cases()
    {
        // formats, then parameters, then result formats
        yield return Case("TwoFormatCodes_ForOneParameter", [.. Names, 0, 2, 0, 0, 0, 0, 0, 1, .. RawProtocolClient.BigEndian(1), (byte)'7', 0, 0], "format codes");
        yield return Case("FormatCode2", [.. Names, 0, 1, 0, 2, 0, 1, .. RawProtocolClient.BigEndian(1), (byte)'7', 0, 0], "format code 2");
        yield return Case("ParameterLengthMinus2", [.. Names, 0, 0, 0, 1, .. RawProtocolClient.BigEndian(-2), 0, 0], "length -2");
        yield return Case("ParameterLongerThanTheMessage", [.. Names, 0, 0, 0, 1, .. RawProtocolClient.BigEndian(1000), (byte)'7', 0, 0], "runs past the end");
        yield return Case("BytesAfterTheLastResultFormat", [.. Names, 0, 0, 0, 1, .. RawProtocolClient.BigEndian(1), (byte)'7', 0, 0, 9, 9], "after its last result format");
        yield return Case("EndsBeforeTheResultFormats", [.. Names, 0, 0, 0, 1, .. RawProtocolClient.BigEndian(1), (byte)'7'], "ends inside");
        yield return Case("EmptyBody", [], "ends inside");
        yield return Case("UnterminatedPortalName", [(byte)'p', (byte)'1'], "ends inside");
        yield return Case("ResultFormatCode7", [.. Names, 0, 0, 0, 1, .. RawProtocolClient.BigEndian(1), (byte)'7', 0, 1, 0, 7], "result format code 7");
    }

    private static TestCaseData Case(string name, byte[] body, string problem) => new TestCaseData(body, problem) { TestName = "MalformedBind_" + name + "_ClosesTheSessionWith08P01" };

    [TestCaseSource(nameof(Cases))]
    public async Task MalformedBind_ClosesTheSessionWithAClearError(byte[] body, string problem)
    {
        await using (var client = await RawProtocolClient.ConnectAsync(harness.EndPoint))
        {
            await client.StartAsync(harness.Database);
            await client.SendAsync([.. Parse(string.Empty, "SELECT $1::text"), .. RawProtocolClient.Message('B', body), .. Execute(), .. Sync()]);
            var messages = await client.ReadToEndAsync();
            var error = messages.Should().ContainSingle(m => m.Code == 'E').Subject;
            error.Field('S').Should().Be("FATAL");
            error.Field('C').Should().Be("08P01");
            error.Field('M').Should().Contain("malformed Bind").And.Contain(problem);
            messages.Should().NotContain(m => m.Code == '2', "the server never saw the Bind as valid");
        }

        await using var next = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await next.StartAsync(harness.Database);
        await next.SendAsync(RawProtocolClient.Query("SELECT 1"));
        (await next.ReadUntilAsync('Z')).Should().Contain(m => m.Code == 'D');
    }

    [Test]
    public async Task Bind_WithParametersInMixedFormatsAndNulls_PassesThrough()
    {
        await using var client = await RawProtocolClient.ConnectAsync(harness.EndPoint);
        await client.StartAsync(harness.Database);
        await client.SendAsync([
            .. Parse(string.Empty, "SELECT $1::int4, $2::text, $3::text", 23, 25, 25),
            .. Bind(string.Empty, string.Empty, [1, 0, 0], RawProtocolClient.BigEndian(42), Text("x"), null),
            .. Execute(),
            .. Sync(),
        ]);
        (await client.ReadUntilAsync('Z')).Select(m => m.Code).Should().Equal('1', '2', 'D', 'C', 'Z');
    }
}
