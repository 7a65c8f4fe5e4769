using System.Buffers;
using ChunkGate.Sidecar.Protocol;
using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Protocol;

internal sealed class StartupPacketTests
{
    [Test]
    public void TryRead_ParsesParametersInOrder()
    {
        var bytes = RawProtocolClient.StartupPacket(("user", "job"), ("database", "shop"), ("application_name", "runner"));
        StartupPacket.TryRead(new ReadOnlySequence<byte>(bytes), out var packet, out var length, out var error).Should().Be(FrameStatus.Complete);
        error.Should().BeNull();
        length.Should().Be(bytes.Length);
        packet!.Kind.Should().Be(StartupKind.Startup);
        packet.ProtocolVersion.Should().Be(3 << 16);
        packet.Parameters.Select(p => p.Key).Should().Equal("user", "database", "application_name");
    }

    [Test]
    public void TryRead_RecognisesCancelRequests()
    {
        byte[] bytes = [.. RawProtocolClient.BigEndian(16), .. RawProtocolClient.BigEndian(80877102), .. RawProtocolClient.BigEndian(77), .. RawProtocolClient.BigEndian(-5)];
        StartupPacket.TryRead(new ReadOnlySequence<byte>(bytes), out var packet, out _, out _).Should().Be(FrameStatus.Complete);
        packet!.Kind.Should().Be(StartupKind.CancelRequest);
        packet.CancelProcessId.Should().Be(77);
        packet.CancelSecretKey.Should().Be(-5);
    }

    [Test]
    public void TryRead_WaitsForTheWholePacket()
    {
        var bytes = RawProtocolClient.StartupPacket(("user", "job"));
        StartupPacket.TryRead(new ReadOnlySequence<byte>(bytes, 0, bytes.Length - 1), out _, out _, out _).Should().Be(FrameStatus.NeedMoreData);
    }

    [TestCase(new byte[] { 0, 0, 0, 7, 0, 3, 0, 0 }, "length")]
    [TestCase(new byte[] { 0, 0, 0x27, 0x11, 0, 3, 0, 0 }, "length")]
    [TestCase(new byte[] { 0, 0, 0, 8, 0, 4, 0, 0 }, "protocol")]
    [TestCase(new byte[] { 0, 0, 0, 11, 0, 3, 0, 0, (byte)'a', 0, (byte)'b' }, "value")]
    public void TryRead_RejectsMalformedPackets(byte[] bytes, string reason)
    {
        StartupPacket.TryRead(new ReadOnlySequence<byte>(bytes), out var packet, out _, out var error).Should().Be(FrameStatus.InvalidData);
        packet.Should().BeNull();
        error.Should().Contain(reason);
    }
}
