using System.Buffers;
using ChunkGate.Sidecar.Protocol;

namespace ChunkGate.Sidecar.Tests.Protocol;

internal sealed class MessageFramerTests
{
    [Test]
    public void TryReadHeader_ReadsCodeAndLength()
    {
        var status = MessageFramer.TryReadHeader(new ReadOnlySequence<byte>([(byte)'D', 0, 0, 1, 0, 9]), out var code, out var length);
        status.Should().Be(FrameStatus.Complete);
        code.Should().Be((byte)'D');
        length.Should().Be(256);
    }

    [Test]
    public void TryReadHeader_ReadsAHeaderThatStraddlesSegments()
    {
        var sequence = Segments.Of([(byte)'T', 0], [0], [0, 4]);
        MessageFramer.TryReadHeader(sequence, out var code, out var length).Should().Be(FrameStatus.Complete);
        ((char)code).Should().Be('T');
        length.Should().Be(4);
    }

    [Test]
    public void TryReadHeader_NeedsFiveBytes() =>
        MessageFramer.TryReadHeader(new ReadOnlySequence<byte>([(byte)'D', 0, 0, 1]), out _, out _).Should().Be(FrameStatus.NeedMoreData);

    [TestCase(3)]
    [TestCase(-1)]
    [TestCase(0x40000000)]
    public void TryReadHeader_RejectsImpossibleLengths(int length)
    {
        var bytes = new byte[5];
        bytes[0] = (byte)'D';
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(1), length);
        MessageFramer.TryReadHeader(new ReadOnlySequence<byte>(bytes), out _, out _).Should().Be(FrameStatus.InvalidData);
    }
}

/// <summary>Builds multi-segment sequences, to test code paths that straddle buffer segments.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
