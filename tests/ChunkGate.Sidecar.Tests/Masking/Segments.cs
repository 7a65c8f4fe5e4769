using System.Buffers;

namespace ChunkGate.Sidecar.Tests.Masking;

/// <summary>Builds multi-segment sequences, as a pipe hands them over when a message straddles buffers.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] data, int segmentLength)
    {
        var first = new Segments(data.AsMemory(0, Math.Min(segmentLength, data.Length)), 0);
        var last = first;
        for (var offset = segmentLength; offset < data.Length; offset += segmentLength)
        {
            var next = new Segments(data.AsMemory(offset, Math.Min(segmentLength, data.Length - offset)), offset);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
