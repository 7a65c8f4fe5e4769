using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace ChunkGate.Kubernetes.Watching;

/// <summary>
/// Splits a watch response into newline-terminated JSON lines, however the network chunks it, and
/// decodes each. A line that fails to decode, or grows past <see cref="MaxLineBytes"/>, is reported
/// and skipped; the watch continues with the next line.
/// </summary>
internal static class WatchStreamReader
{
    /// <summary>The API server caps request bodies at 3 MiB; objects in events stay well below this bound.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    public static async IAsyncEnumerable<WatchEvent<T>> ReadAsync<T>(Stream stream, Action<WatchDecodeError>? onBadLine, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        var skippingOversizedLine = false;

        // Bytes of the unfinished line already searched for its newline: a line spanning many reads
        // is searched once, not again from its start on every read.
        long searched = 0;
        var events = new List<WatchEvent<T>>();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                events.Clear();
                while (TryTakeLine(ref buffer, ref searched, out var line))
                {
                    if (skippingOversizedLine)
                    {
                        skippingOversizedLine = false;
                        continue;
                    }

                    if (Decode(line, onBadLine, out WatchEvent<T> watchEvent))
                    {
                        events.Add(watchEvent);
                    }
                }

                if (!skippingOversizedLine && buffer.Length > MaxLineBytes)
                {
                    onBadLine?.Invoke(new WatchDecodeError($"line longer than {MaxLineBytes} bytes", (int)Math.Min(buffer.Length, int.MaxValue)));
                    skippingOversizedLine = true;
                }

                if (skippingOversizedLine)
                {
                    // What is left is discarded below: the next read starts unsearched.
                    searched = 0;
                }

                if (result.IsCompleted && !skippingOversizedLine && buffer.Length > 0 && !IsWhitespace(buffer))
                {
                    // A final line without its newline: the connection ended mid-event or the server omitted it.
                    if (Decode(buffer, onBadLine, out WatchEvent<T> lastEvent))
                    {
                        events.Add(lastEvent);
                    }

                    buffer = buffer.Slice(buffer.End);
                }

                reader.AdvanceTo(skippingOversizedLine ? buffer.End : buffer.Start, buffer.End);
                foreach (var watchEvent in events)
                {
                    yield return watchEvent;
                }

                if (result.IsCompleted)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, ref long searched, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.Slice(searched).PositionOf((byte)'\n');
        if (newline is null)
        {
            searched = buffer.Length;
            line = default;
            return false;
        }

        searched = 0;
        line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return true;
    }

    private static bool Decode<T>(ReadOnlySequence<byte> line, Action<WatchDecodeError>? onBadLine, out WatchEvent<T> watchEvent)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        watchEvent = default;
        if (IsWhitespace(line))
        {
            return false;
        }

        bool parsed;
        string? problem;
        if (line.IsSingleSegment)
        {
            parsed = WatchEventParser.TryParse(line.FirstSpan, out watchEvent, out problem);
        }
        else
        {
            // The line straddles network reads: join it once into a pooled buffer.
            var length = (int)line.Length;
            var rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                line.CopyTo(rented);
                parsed = WatchEventParser.TryParse(rented.AsSpan(0, length), out watchEvent, out problem);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (!parsed)
        {
            onBadLine?.Invoke(new WatchDecodeError(problem ?? "undecodable", (int)line.Length));
        }

        return parsed;
    }

    private static bool IsWhitespace(ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t' or (byte)'\n'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
