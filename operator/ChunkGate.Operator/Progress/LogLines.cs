using System.Buffers;

namespace ChunkGate.Operator.Progress;

/// <summary>
/// Splits a container log into lines, bounded: at most <c>maxBytes</c> are read, and a line longer
/// than <c>maxLineBytes</c> is skipped whole (never cut into pieces that could look like lines of
/// their own). One pooled buffer, returned at the end.
/// </summary>
public static class LogLines
{
    public static async Task ReadAsync(Stream log, long maxBytes, int maxLineBytes, Action<ReadOnlyMemory<byte>> line, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(maxLineBytes + 1, 64 * 1024));
        try
        {
            var filled = 0;
            var skipping = false;
            long total = 0;
            while (total < maxBytes)
            {
                var read = await log.ReadAsync(buffer.AsMemory(filled, (int)Math.Min(buffer.Length - filled, maxBytes - total)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
                var start = 0;
                var end = filled + read;
                for (var newline = Array.IndexOf(buffer, (byte)'\n', filled, read); newline >= 0; newline = Array.IndexOf(buffer, (byte)'\n', start, end - start))
                {
                    if (!skipping && newline - start <= maxLineBytes)
                    {
                        line(buffer.AsMemory(start, newline - start));
                    }

                    skipping = false;
                    start = newline + 1;
                }

                var rest = end - start;
                if (skipping || rest > maxLineBytes)
                {
                    // The line in progress is too long: drop what we have and skip to its end.
                    skipping = true;
                    rest = 0;
                }
                else
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, rest);
                }

                filled = rest;
            }

            // A last line without a newline counts only if the whole log was read (not cut at maxBytes).
            if (filled > 0 && !skipping && total < maxBytes)
            {
                line(buffer.AsMemory(0, filled));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
