using System.Diagnostics;
using ChunkGate.Sidecar.Telemetry;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>Every span the sidecar starts while this is alive, sampled with all data, as a tracing backend would get them.</summary>
internal sealed class SidecarSpans : IDisposable
{
    private readonly List<Activity> started = [];
    private readonly ActivityListener listener;

    public SidecarSpans()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SidecarTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = span =>
            {
                lock (started)
                {
                    started.Add(span);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    /// <summary>A snapshot of the spans started so far (tags and events as they are now).</summary>
    public IReadOnlyList<Activity> All
    {
        get
        {
            lock (started)
            {
                return [.. started];
            }
        }
    }

    public void Dispose() => listener.Dispose();
}
