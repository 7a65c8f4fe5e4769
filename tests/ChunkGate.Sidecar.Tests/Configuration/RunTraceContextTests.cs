using System.Diagnostics;
using ChunkGate.Sidecar.Configuration;

namespace ChunkGate.Sidecar.Tests.Configuration;

internal sealed class RunTraceContextTests
{
    private const string Minimal = """
        { "listen": "127.0.0.1:6432",
          "upstream": { "host": "db", "database": "shop", "sslMode": "disable" },
          "credential": { "usernameFile": "/u", "passwordFile": "/p" }, "expiresAt": "2026-11-23T10:15:00Z",
          "action": "read" }
        """;

    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Test]
    public void Load_TakesTheRunTraceFromTheW3CEnvironmentCarrier()
    {
        var environment = new Dictionary<string, string> { ["TRACEPARENT"] = TraceParent, ["TRACESTATE"] = "chunkgate=run" };
        var (options, errors) = SidecarOptionsLoader.Load(Minimal, name => environment.GetValueOrDefault(name));
        errors.Should().BeEmpty();
        options!.RunTraceContext.TraceId.ToString().Should().Be("0af7651916cd43dd8448eb211c80319c");
        options.RunTraceContext.SpanId.ToString().Should().Be("b7ad6b7169203331");
        options.RunTraceContext.TraceState.Should().Be("chunkgate=run");
        options.RunTraceContext.IsRemote.Should().BeTrue();
    }

    [Test]
    public void Load_HasNoRunTrace_WhenTheEnvironmentHasNone()
    {
        var (options, _) = SidecarOptionsLoader.Load(Minimal, _ => null);
        options!.RunTraceContext.Should().Be(default(ActivityContext));
    }

    [TestCase("garbage")]
    [TestCase("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")]
    [TestCase("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    public void Load_RejectsAMalformedTraceParent(string traceParent)
    {
        var (options, errors) = SidecarOptionsLoader.Load(Minimal, name => name == "TRACEPARENT" ? traceParent : null);
        options.Should().BeNull();
        errors.Should().ContainSingle().Which.Should().Be($"TRACEPARENT must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), got '{traceParent}'");
    }
}
