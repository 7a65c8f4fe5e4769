using ChunkGate.Sidecar.Configuration;

namespace ChunkGate.Sidecar.Tests.Configuration;

internal sealed class SidecarOptionsLoaderTests
{
    private const string Full = """
        { "listen": "127.0.0.1:6432",
          "upstream": { "host": "db.internal", "port": 5433, "database": "shop", "sslMode": "verify-full", "caFile": "/ca.pem" },
          "credential": { "usernameFile": "/u", "passwordFile": "/p" },
          "expiresAt": "2026-11-23T10:15:00Z",
          "action": "export",
          "masking": { "columns": [ { "column": "public.customers.ssn", "strategy": "last4" } ] },
          "recording": { "path": "/rec.jsonl" },
          "otlp": { "endpoint": "http://collector:4317" } }
        """;

    private static string? NoEnvironment(string name) => null;

    [Test]
    public void Load_ReadsEverySetting()
    {
        var (options, errors) = SidecarOptionsLoader.Load(Full, NoEnvironment);
        errors.Should().BeEmpty();
        options!.Listen.ToString().Should().Be("127.0.0.1:6432");
        options.Upstream.Should().Be(new UpstreamOptions("db.internal", 5433, "shop", UpstreamSslMode.VerifyFull, "/ca.pem", false, false));
        options.UsernameFile.Should().Be("/u");
        options.ExpiresAt.Should().Be(new DateTimeOffset(2026, 11, 23, 10, 15, 0, TimeSpan.Zero));
        options.Action.Should().Be(SessionAction.Export);
        options.Masking!.Value.GetProperty("columns").GetArrayLength().Should().Be(1);
        options.RecordingPath.Should().Be("/rec.jsonl");
        options.OtlpEndpoint.Should().Be("http://collector:4317");
    }

    [Test]
    public void Load_EnvironmentOverridesTheFile()
    {
        var environment = new Dictionary<string, string>
        {
            ["CHUNKGATE_SIDECAR_UPSTREAM_HOST"] = "other",
            ["CHUNKGATE_SIDECAR_ACTION"] = "write",
            ["CHUNKGATE_SIDECAR_LISTEN"] = "127.0.0.1:7000",
        };
        var (options, _) = SidecarOptionsLoader.Load(Full, name => environment.GetValueOrDefault(name));
        options!.Upstream.Host.Should().Be("other");
        options.Action.Should().Be(SessionAction.Write);
        options.Listen.Port.Should().Be(7000);
    }

    [Test]
    public void Load_ReportsEveryProblemAtOnce()
    {
        var (options, errors) = SidecarOptionsLoader.Load("""{ "upstream": { "port": 99999, "sslMode": "maybe" }, "action": "delete-everything", "expiresAt": "soon" }""", NoEnvironment);
        options.Should().BeNull();
        errors.Should().HaveCount(6);
        errors.Should().Contain(e => e.Contains("upstream.host")).And.Contain(e => e.Contains("upstream.port"))
            .And.Contain(e => e.Contains("sslMode")).And.Contain(e => e.Contains("action")).And.Contain(e => e.Contains("expiresAt"))
            .And.Contain(e => e.Contains("upstream.database"));
    }

    [TestCase("not json")]
    [TestCase("[1, 2]")]
    public void Load_RejectsSomethingThatIsNotAConfiguration(string json) =>
        SidecarOptionsLoader.Load(json, NoEnvironment).Errors.Should().ContainSingle();

    private const string Minimal = """
        { "listen": "LISTEN", "upstream": { "host": "db", "database": "shop" SSL }, "expiresAt": "2026-11-23T10:15:00Z" }
        """;

    private static string Config(string listen = "127.0.0.1:6432", string ssl = ", \"sslMode\": \"disable\"") =>
        Minimal.Replace("LISTEN", listen, StringComparison.Ordinal).Replace(" SSL", ssl, StringComparison.Ordinal);

    [TestCase("0.0.0.0:6432")]
    [TestCase("10.1.2.3:6432")]
    [TestCase("[::]:6432")]
    public void Load_RefusesANonLoopbackListen_UnlessExplicitlyAllowed(string listen)
    {
        SidecarOptionsLoader.Load(Config(listen), NoEnvironment).Errors.Should().ContainSingle().Which.Should().Contain("not a loopback address");

        var allowed = Config(listen).Replace("{ \"listen\"", "{ \"allowNonLoopbackListen\": true, \"listen\"", StringComparison.Ordinal);
        var (options, errors) = SidecarOptionsLoader.Load(allowed, NoEnvironment);
        errors.Should().BeEmpty();
        StartupWarnings.Of(options!).Should().Contain(w => w.Contains("beyond loopback"));
    }

    [TestCase("127.0.0.1:6432")]
    [TestCase("127.9.9.9:6432")]
    [TestCase("[::1]:6432")]
    public void Load_AcceptsLoopbackListenAddresses(string listen) =>
        SidecarOptionsLoader.Load(Config(listen), NoEnvironment).Errors.Should().BeEmpty();

    [Test]
    public void Load_RequiresExpiresAt()
    {
        var json = Config().Replace(", \"expiresAt\": \"2026-11-23T10:15:00Z\"", "", StringComparison.Ordinal);
        SidecarOptionsLoader.Load(json, NoEnvironment).Errors.Should().ContainSingle().Which.Should().Contain("expiresAt is required");
    }

    [Test]
    public void Load_BoundsBufferedBytes_To256MiB_UnlessConfigured()
    {
        SidecarOptionsLoader.Load(Config(), NoEnvironment).Options!.MaxBufferedBytes.Should().Be(256L * 1024 * 1024);
        SidecarOptionsLoader.Load(Config(), name => name == "CHUNKGATE_SIDECAR_MAX_BUFFERED_BYTES" ? "1048576" : null).Options!.MaxBufferedBytes.Should().Be(1024 * 1024);
    }

    [TestCase("0")]
    [TestCase("-1")]
    [TestCase("lots")]
    public void Load_RefusesABufferBudgetThatIsNotPositive(string value) =>
        SidecarOptionsLoader.Load(Config(), name => name == "CHUNKGATE_SIDECAR_MAX_BUFFERED_BYTES" ? value : null)
            .Errors.Should().ContainSingle().Which.Should().Contain("limits.maxBufferedBytes");

    [Test]
    public void Load_RefusesAnUnstatedSslMode_WithoutACa() =>
        SidecarOptionsLoader.Load(Config(ssl: ""), NoEnvironment).Errors.Should().ContainSingle().Which.Should().Contain("upstream.sslMode is required");

    [Test]
    public void Load_DefaultsToVerifyFull_WhenACaIsGiven() =>
        SidecarOptionsLoader.Load(Config(ssl: ", \"caFile\": \"/ca.pem\""), NoEnvironment).Options!.Upstream.SslMode.Should().Be(UpstreamSslMode.VerifyFull);

    [Test]
    public void StartupWarnings_SayWhatIsOff()
    {
        var (options, _) = SidecarOptionsLoader.Load(Config(), NoEnvironment);
        StartupWarnings.Of(options!).Should().Contain(w => w.StartsWith("masking is OFF", StringComparison.Ordinal))
            .And.Contain(w => w.StartsWith("recording is OFF", StringComparison.Ordinal))
            .And.Contain(w => w.StartsWith("upstream TLS is OFF", StringComparison.Ordinal));
        StartupWarnings.Of(SidecarOptionsLoader.Load(Full, NoEnvironment).Options!).Should().BeEmpty("the full configuration masks, records and verifies the server");
    }
}
