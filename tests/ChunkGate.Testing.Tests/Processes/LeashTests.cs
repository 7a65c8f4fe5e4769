using System.Diagnostics;
using ChunkGate.Testing.Processes;
using ChunkGate.Testing.Waiting;

namespace ChunkGate.Testing.Tests.Processes;

public sealed class LeashTests
{
    private static Process Sleeper(string marker)
    {
        var start = new ProcessStartInfo("sleep", ["600"]) { UseShellExecute = false };
        start.Environment["CHUNKGATE_LEASH_TEST"] = marker;
        return Process.Start(start)!;
    }

    private static void End(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        process.WaitForExit();
        process.Dispose();
    }

    [Test]
    public async Task WhenTheTestProcessIsGone_TheReleaseEndsWhatItStarted_EvenWithChildrenStartedSince()
    {
        var marker = Guid.NewGuid().ToString("N");
        var started = Sleeper(marker);
        using var leash = Leash.Terminating(marker, started.Id, TimeSpan.FromSeconds(5));
        // Started after the leash: had it inherited the pipe's write end, the leash would never see it close.
        var bystander = Sleeper(marker + "-bystander");
        try
        {
            Leftovers.Mentioning(marker).Select(p => p.Pid).Should().Contain([started.Id, leash.ProcessId]);

            leash.LetGo();

            await Eventually.TrueAsync(() => started.HasExited, "the release sends SIGTERM once the pipe's only writer has closed it", TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(() => Leftovers.Mentioning(marker).All(p => p.Pid == bystander.Id), "the leash's shell has ended too", TimeSpan.FromSeconds(30));
            bystander.HasExited.Should().BeFalse("the leash ends only what it was given");
        }
        finally
        {
            End(started);
            End(bystander);
        }
    }

    [Test]
    public void Disposed_AfterATeardown_ReleasesNothing()
    {
        var marker = Guid.NewGuid().ToString("N");
        var started = Sleeper(marker);
        try
        {
            var leash = Leash.Terminating(marker, started.Id, TimeSpan.FromSeconds(5));

            leash.Dispose();

            started.HasExited.Should().BeFalse();
            Leftovers.Mentioning(marker).Select(p => p.Pid).Should().Equal([started.Id], "the leash's shell is gone, what it guarded is not");
        }
        finally
        {
            End(started);
        }
    }
}
