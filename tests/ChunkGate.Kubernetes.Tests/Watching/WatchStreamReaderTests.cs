using System.Text;
using k8s;
using k8s.Models;
using ChunkGate.Kubernetes.Watching;

namespace ChunkGate.Kubernetes.Tests.Watching;

/// <summary>Watch bodies as the API server streams them: one JSON object per line (see API concepts, "Efficient detection of changes").</summary>
public sealed class WatchStreamReaderTests
{
    private const string Added = """{"type":"ADDED","object":{"kind":"V1Pod","apiVersion":"v1","metadata":{"name":"foo","namespace":"test","resourceVersion":"10596","uid":"u1"},"spec":{"containers":[{"name":"app","image":"busybox"}]}}}""";
    private const string Modified = """{"type":"MODIFIED","object":{"kind":"V1Pod","apiVersion":"v1","metadata":{"name":"foo","namespace":"test","resourceVersion":"11020","uid":"u1"},"spec":{"containers":[{"name":"app","image":"busybox"}]},"status":{"phase":"Running"}}}""";
    private const string Bookmark = """{"type":"BOOKMARK","object":{"kind":"V1Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746","annotations":{"k8s.io/initial-events-end":"true"}}}}""";
    private const string Deleted = """{"type":"DELETED","object":{"kind":"V1Pod","apiVersion":"v1","metadata":{"name":"foo","namespace":"test","resourceVersion":"12800","uid":"u1"},"spec":{"containers":[]}}}""";
    private const string Expired = """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 10245 (10596)","reason":"Expired","code":410}}""";

    private static async Task<(List<WatchEvent<V1Pod>> Events, List<WatchDecodeError> Errors)> ReadAsync(Stream stream)
    {
        var events = new List<WatchEvent<V1Pod>>();
        var errors = new List<WatchDecodeError>();
        await foreach (var watchEvent in WatchStreamReader.ReadAsync<V1Pod>(stream, errors.Add, CancellationToken.None))
        {
            events.Add(watchEvent);
        }

        return (events, errors);
    }

    private static string Lines(params string[] lines) => string.Concat(lines.Select(line => line + "\n"));

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(100)]
    [TestCase(100_000)]
    public async Task Events_AreDecodedWhateverTheChunking(int chunkSize)
    {
        var (events, errors) = await ReadAsync(new ChunkedStream(Encoding.UTF8.GetBytes(Lines(Added, Modified, Bookmark, Deleted)), chunkSize));

        errors.Should().BeEmpty();
        events.Select(e => e.Type).Should().Equal(WatchEventType.Added, WatchEventType.Modified, WatchEventType.Bookmark, WatchEventType.Deleted);
        events.Select(e => e.ResourceVersion).Should().Equal("10596", "11020", "12746", "12800");
        events[1].Object!.Status!.Phase.Should().Be("Running");
        events[0].Object!.Spec.Containers.Should().ContainSingle().Which.Image.Should().Be("busybox");
    }

    [Test]
    public async Task ErrorEvent_CarriesTheStatus_And410IsExpired()
    {
        var (events, _) = await ReadAsync(new ChunkedStream(Encoding.UTF8.GetBytes(Lines(Added, Expired)), 13));

        var error = events.Should().HaveCount(2).And.Subject.Last();
        error.Type.Should().Be(WatchEventType.Error);
        error.IsExpired.Should().BeTrue();
        error.Status!.Message.Should().Be("too old resource version: 10245 (10596)");
        error.Object.Should().BeNull();
    }

    [Test]
    public async Task AMalformedLine_IsReportedAndTheWatchGoesOn()
    {
        var body = Lines(Added, """{"type":"MODIFIED","object":{"kind":"V1Pod","metadata":{"name":""", """{"type":"EXPLODED","object":{}}""", """{"object":{}}""", "[1,2]", Modified);

        var (events, errors) = await ReadAsync(new ChunkedStream(Encoding.UTF8.GetBytes(body), 5));

        events.Select(e => e.ResourceVersion).Should().Equal("10596", "11020");
        errors.Select(e => e.Problem).Should().HaveCount(4);
        errors[0].Problem.Should().StartWith("malformed JSON");
        errors[1].Problem.Should().Be("unknown event type");
        errors[2].Problem.Should().Be("missing \"type\"");
        errors[3].Problem.Should().Be("not a JSON object");
    }

    [Test]
    public async Task AnObjectOfTheWrongShape_IsReportedWithItsPath()
    {
        var body = Lines("""{"type":"ADDED","object":{"metadata":{"name":"x","labels":"not-a-map"}}}""", Added);

        var (events, errors) = await ReadAsync(new ChunkedStream(Encoding.UTF8.GetBytes(body), 64));

        events.Should().ContainSingle();
        errors.Should().ContainSingle().Which.Problem.Should().Contain("$.metadata.labels");
    }

    [Test]
    public async Task BlankLines_AreIgnored_AndAFinalLineWithoutNewlineIsStillRead()
    {
        var body = "\n" + Added + "\n\r\n\n" + Modified;

        var (events, errors) = await ReadAsync(new ChunkedStream(Encoding.UTF8.GetBytes(body), 3));

        errors.Should().BeEmpty();
        events.Should().HaveCount(2);
    }

    [Test]
    public async Task TheTypeMayFollowTheObject()
    {
        var (events, _) = await ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes("""{"object":{"metadata":{"name":"a","resourceVersion":"5"}},"type":"ADDED"}""" + "\n")));

        events.Should().ContainSingle().Which.Object!.Metadata.Name.Should().Be("a");
    }

    [Test]
    public async Task Cancellation_EndsAnOpenWatch()
    {
        using var cts = new CancellationTokenSource();
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(Added + "\n"));
        var seen = new List<WatchEvent<V1Pod>>();

        var reading = Task.Run(async () =>
        {
            await foreach (var e in WatchStreamReader.ReadAsync<V1Pod>(pipe.Reader.AsStream(), null, cts.Token))
            {
                seen.Add(e);
                await cts.CancelAsync();
            }
        });

        await FluentActions.Awaiting(() => reading).Should().ThrowAsync<OperationCanceledException>();
        seen.Should().ContainSingle();
    }

    /// <summary>Hands out its bytes at most <c>chunk</c> at a time, like a network read.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - position);
            Array.Copy(data, position, buffer, offset, n);
            position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - position);
            data.AsMemory(position, n).CopyTo(buffer);
            position += n;
            return new(n);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
