using System.Diagnostics;

namespace ChunkGate.Runner.Tests.Support;

/// <summary>The runner as the job container runs it (the native executable in Release) with the run contract's environment only.</summary>
internal static class RunnerProcess
{
    private static readonly (string FileName, IReadOnlyList<string> Arguments) Runner = ChunkGate.Testing.Processes.ComponentBuild.Program("ChunkGate.Runner");

    public static Task<RunnerResult> RunAsync(RunnerRig rig, SidecarProcess sidecar, RunnerJob job) =>
        RunAsync(job.Environment(sidecar.Port, rig.Database.Name));

    public static async Task<RunnerResult> RunAsync(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(Runner.FileName, Runner.Arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Nothing of the test process's own database settings may leak in: the runner sees what a run Pod gives it.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("PG", StringComparison.Ordinal)
                     || name.StartsWith("CHUNKGATE_", StringComparison.Ordinal) || name.StartsWith("OTEL_", StringComparison.Ordinal) || name == "TRACEPARENT").ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the runner did not finish: {await error}");
        }

        await copy;
        return new RunnerResult(process.ExitCode, output.ToArray(), await error);
    }

    /// <summary>Runs <paramref name="count"/> shards of one job at once, as parallel run Pods do.</summary>
    public static Task<RunnerResult[]> RunShardsAsync(RunnerRig rig, SidecarProcess sidecar, RunnerJob job, int count) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(shard => RunAsync(rig, sidecar, job with { Shard = shard, Shards = count })));
}
