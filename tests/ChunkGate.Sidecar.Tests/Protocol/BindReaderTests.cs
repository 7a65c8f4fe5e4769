using ChunkGate.Sidecar.Protocol;
using ChunkGate.Sidecar.Recording;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Protocol;

public sealed class BindReaderTests
{
    private static readonly byte[] Body = ExtendedMessages.Bind("portal", "stmt", [1, 0, 1], RawProtocolClient.BigEndian(7), ExtendedMessages.Text("hello"), null)[5..];

    private static readonly ParameterShape[] Expected = [new(23, 4, true), new(25, 5, false), new(0, -1, true)];

    [Test]
    public void Feed_ReadsTheSameStructure_WhereverTheMessageIsCut()
    {
        for (var cut = 0; cut <= Body.Length; cut++)
        {
            var reader = new BindReader(1024);
            reader.Start(Body.Length);
            reader.Feed(Body.AsSpan(0, cut)).Should().Be(cut == Body.Length ? FrameStatus.Complete : FrameStatus.NeedMoreData, $"cut at {cut}");
            if (cut < Body.Length)
            {
                reader.Feed(Body.AsSpan(cut)).Should().Be(FrameStatus.Complete, $"cut at {cut}");
            }

            reader.Finish().Should().Be(FrameStatus.Complete);
            reader.Portal.ToArray().Should().Equal("portal"u8.ToArray());
            reader.Statement.ToArray().Should().Equal("stmt"u8.ToArray());
            reader.Shapes([23, 25]).Should().Equal(Expected);
        }
    }

    [Test]
    public void Feed_ByteByByte_ReadsTheSameStructure()
    {
        var reader = new BindReader(1024);
        reader.Start(Body.Length);
        for (var index = 0; index < Body.Length; index++)
        {
            reader.Feed(Body.AsSpan(index, 1)).Should().Be(index == Body.Length - 1 ? FrameStatus.Complete : FrameStatus.NeedMoreData);
        }

        reader.Shapes([23, 25]).Should().Equal(Expected);
    }

    [Test]
    public void Feed_RefusesANameLongerThanTheLimit()
    {
        var reader = new BindReader(3);
        reader.Start(Body.Length);
        reader.Feed(Body).Should().Be(FrameStatus.InvalidData);
        reader.Problem.Should().Contain("longer than 3 bytes");
    }
}
