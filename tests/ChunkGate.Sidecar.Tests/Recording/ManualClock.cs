namespace ChunkGate.Sidecar.Tests.Recording;

/// <summary>A clock the test moves by hand; timestamps follow it, so durations are exact.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => now.UtcTicks;

    public void Advance(TimeSpan by) => now += by;
}
