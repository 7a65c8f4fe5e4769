namespace ChunkGate.Runner.Tests.Support;

/// <summary>Standard error for a runner run in this process: keeps what was written and says when a text first appears in it.</summary>
internal sealed class ObservedWriter(string awaited) : StringWriter
{
    private readonly TaskCompletionSource seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Seen => seen.Task;

    public override void WriteLine(string? value)
    {
        lock (this)
        {
            base.WriteLine(value);
            if (ToString().Contains(awaited, StringComparison.Ordinal))
            {
                seen.TrySetResult();
            }
        }
    }

    public override string ToString()
    {
        lock (this)
        {
            return base.ToString();
        }
    }
}
