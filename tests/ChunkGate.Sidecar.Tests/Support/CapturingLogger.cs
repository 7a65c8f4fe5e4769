using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>Keeps every formatted log line (and exception text) at every level, for leak assertions.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyCollection<string> Lines => lines;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        lines.Enqueue(state.ToString() ?? "");
        return null;
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
}
