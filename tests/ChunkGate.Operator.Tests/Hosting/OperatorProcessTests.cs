using System.Diagnostics;

namespace ChunkGate.Operator.Tests.Hosting;

/// <summary>The real executable: a bad setting stops it before it does anything, with exit code 2 and one line.</summary>
public sealed class OperatorProcessTests
{
    [Test]
    public async Task ABadSetting_ExitsWithCode2_AndOneLineNamingIt()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "ChunkGate.Operator.dll"));
        start.ArgumentList.Add("--webhook-port=https");
        start.Environment["CHUNKGATE_WATCH_NAMESPACES"] = "demo";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        process.ExitCode.Should().Be(2);
        (await error).Should().Be("chunkgate-operator: invalid setting --webhook-port (CHUNKGATE_WEBHOOK_PORT): must be a port number between 1 and 65535, got \"https\"\n");
        (await output).Should().BeEmpty();
    }
}
