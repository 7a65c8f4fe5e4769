using System.Diagnostics;
using System.Text;

namespace ChunkGate.Broker.Tests.Support;

/// <summary>The crash probe's process and what it printed so far.</summary>
internal sealed class ProbeProcess : IDisposable
{
    private readonly StringBuilder output = new();

    public ProbeProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }
}
