using System.Diagnostics;
using System.Text;

namespace ChunkGate.LocalCluster.Tests.Support;

/// <summary>The result of one kubectl run.</summary>
internal sealed record KubectlResult(int ExitCode, string Output, string Error)
{
    public KubectlResult ShouldSucceed()
    {
        ExitCode.Should().Be(0, $"kubectl should succeed, stderr: {Error}, stdout: {Output}");
        return this;
    }
}

/// <summary>Runs the real kubectl (v1.32 on PATH) against a local cluster as one of its users.</summary>
internal sealed class Kubectl(string kubeconfig, string cacheDirectory, string context = "admin")
{
    public Kubectl As(string user) => new(kubeconfig, cacheDirectory, user);

    public async Task<KubectlResult> RunAsync(string arguments, string? stdin = null, int timeoutSeconds = 30)
    {
        using var process = Start(arguments, stdin is not null);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {arguments} did not finish in {timeoutSeconds}s");
        }

        return new KubectlResult(process.ExitCode, await output, await error);
    }

    public Task<KubectlResult> OkAsync(string arguments, string? stdin = null) =>
        RunAsync(arguments, stdin).ContinueWith(t => t.Result.ShouldSucceed(), TaskScheduler.Default);

    /// <summary>Starts a long-running kubectl (e.g. <c>get -w</c>, <c>logs -f</c>) whose output lines can be awaited.</summary>
    public StreamingKubectl Stream(string arguments) => new(Start(arguments, redirectInput: false));

    private Process Start(string arguments, bool redirectInput)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        start.ArgumentList.Add("--context");
        start.ArgumentList.Add(context);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(cacheDirectory);
        foreach (var argument in SplitArguments(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("KUBECONFIG");
        return Process.Start(start)!;
    }

    /// <summary>Splits like a shell would for simple cases: spaces separate, single quotes group.</summary>
    private static IEnumerable<string> SplitArguments(string arguments)
    {
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in arguments)
        {
            if (c == '\'')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                {
                    yield return current.ToString();
                }

                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            yield return current.ToString();
        }
    }
}

/// <summary>A kubectl process whose stdout lines arrive while it runs.</summary>
internal sealed class StreamingKubectl : IDisposable
{
    private readonly Process process;
    private readonly List<string> lines = [];
    private readonly SemaphoreSlim arrived = new(0);

    public StreamingKubectl(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            arrived.Release();
        };
        process.BeginOutputReadLine();
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }

    /// <summary>Waits until some line satisfies <paramref name="predicate"/>; fails the test after the timeout.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, int timeoutSeconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var match = Lines.FirstOrDefault(predicate);
            if (match is not null)
            {
                return match;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || process.HasExited && !await arrived.WaitAsync(TimeSpan.FromMilliseconds(200)))
            {
                Assert.Fail($"no matching line within {timeoutSeconds}s; got:\n{string.Join("\n", Lines)}");
            }

            await arrived.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
        arrived.Dispose();
    }
}
