using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary><c>make cluster</c>'s program: one KUBECONFIG line once serving, clean stop on SIGTERM.</summary>
[Category("LocalCluster")]
public sealed partial class CommandLineTests
{
    [Test]
    public async Task Program_PrintsKubeconfigOnceServing_AndStopsOnSigterm()
    {
        var program = Path.Combine(TestContext.CurrentContext.TestDirectory, "ChunkGate.LocalCluster.dll");
        var directory = Path.Combine(Path.GetTempPath(), "chunkgate-cli-" + Guid.NewGuid().ToString("N")[..8]);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { program, "--dir", directory })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);

            line.Should().Be($"KUBECONFIG={Path.Combine(directory, "kubeconfig")}");
            var kubectl = new Support.Kubectl(Path.Combine(directory, "kubeconfig"), Path.Combine(directory, "cache"));
            (await kubectl.OkAsync("get namespace default -o name")).Output.Trim().Should().Be("namespace/default");

            Kill(process.Id, 15).Should().Be(0);
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.Should().Be(0);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
