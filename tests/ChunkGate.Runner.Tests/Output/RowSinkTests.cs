using System.Text;
using ChunkGate.Runner.Output;

namespace ChunkGate.Runner.Tests.Output;

/// <summary>
/// A commit's callback (where the chunk record is printed) runs once the chunk is durable: for a
/// file after its fsync on another thread, in commit order, and always before the next commit,
/// a discard or <see cref="RowSink.WaitDurable"/> returns; on standard output at once.
/// </summary>
public sealed class RowSinkTests
{
    [Test]
    public void FileCommits_CallBackInOrder_WithEachCommitsBytes_BeforeWaitDurableReturns()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "rows.csv");
        var called = new List<(int Chunk, long Bytes)>();
        using (var sink = RowSink.ToFile(path))
        {
            for (var chunk = 0; chunk < 20; chunk++)
            {
                sink.Write(Encoding.ASCII.GetBytes(new string((char)('a' + chunk), chunk + 1)));
                var number = chunk;
                sink.Commit(bytes =>
                {
                    lock (called)
                    {
                        called.Add((number, bytes));
                    }
                });
                lock (called)
                {
                    called.Should().HaveCountGreaterThanOrEqualTo(chunk, "every earlier commit's callback has run before this commit returns");
                }
            }

            sink.WaitDurable();
            called.Should().Equal(Enumerable.Range(0, 20).Select(chunk => (chunk, (long)chunk + 1)));
        }

        File.ReadAllText(path).Should().Be(string.Concat(Enumerable.Range(0, 20).Select(chunk => new string((char)('a' + chunk), chunk + 1))));
    }

    [Test]
    public void Discard_AfterACommit_KeepsTheCommittedChunk_AndRunsItsCallback()
    {
        using var directory = new TemporaryDirectory();
        var path = Path.Combine(directory.Path, "rows.csv");
        var called = 0L;
        using (var sink = RowSink.ToFile(path))
        {
            sink.Write("committed\n"u8);
            sink.Commit(bytes => Interlocked.Exchange(ref called, bytes));
            sink.Write("failed chunk\n"u8);
            sink.Commit(_ => { });
            sink.Write("cut\n"u8);

            sink.Discard();

            Interlocked.Read(ref called).Should().Be(10);
        }

        File.ReadAllText(path).Should().Be("committed\nfailed chunk\n", "only what followed the last commit is cut");
    }

    [Test]
    public void StandardOutputCommit_CallsBackAtOnce_AfterTheRowsAreWritten()
    {
        var output = new MemoryStream();
        using var sink = RowSink.ToStandardOutput(output);
        sink.Write("row\n"u8);
        long? seen = null;
        var writtenWhenCalled = 0L;

        sink.Commit(bytes => (seen, writtenWhenCalled) = (bytes, output.Length));

        seen.Should().Be(4);
        writtenWhenCalled.Should().Be(4);
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("chunkgate-rowsink-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
