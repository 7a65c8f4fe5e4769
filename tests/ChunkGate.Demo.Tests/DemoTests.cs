using System.Diagnostics;
using System.Text;

namespace ChunkGate.Demo.Tests;

/// <summary>
/// Runs tests/demo/demo.sh, the script behind `make demo`, as a user would (the build is the test
/// run's own). The script checks every step of the story itself and exits non-zero at the first that
/// does not behave; this test adds the bound of three minutes.
/// </summary>
[TestFixture]
public sealed class DemoTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    [Test]
    public async Task TheDemo_PlaysEveryStep_AndCleansUp()
    {
        var root = RepositoryRoot(TestContext.CurrentContext.TestDirectory);
        var configuration = new DirectoryInfo(TestContext.CurrentContext.TestDirectory).Parent!.Name; // bin/<Configuration>/net10.0
        var output = new StringBuilder();
        using var demo = new Process
        {
            StartInfo = new ProcessStartInfo("bash", [Path.Combine(root, "tests", "demo", "demo.sh")])
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["CONFIG"] = configuration, ["NO_COLOR"] = "1" },
            },
        };
        demo.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        demo.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        demo.Start();
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            await demo.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM, not a kill: the script's trap must still stop the installation it started.
            Process.Start("kill", ["-TERM", demo.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
            await demo.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.Fail($"make demo took longer than {Bound.TotalMinutes} minutes:\n{output}");
        }

        demo.WaitForExit(); // drains the redirected output
        TestContext.Out.WriteLine(output.ToString());
        demo.ExitCode.Should().Be(0, "make demo must play every step:\n{0}", output);
        output.ToString().Should().Contain("The demo behaved at every step.");
    }

    private static string RepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Operator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Operator.sln above {start}");
    }
}
