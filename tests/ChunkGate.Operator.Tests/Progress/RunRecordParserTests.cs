using System.Text;
using ChunkGate.Operator.Progress;

namespace ChunkGate.Operator.Tests.Progress;

public sealed class RunRecordParserTests
{
    private const string Rs = "\u001e";

    private static RunRecord? Parse(string line) => RunRecordParser.TryParse(Encoding.UTF8.GetBytes(line), out var record) ? record : null;

    [Test]
    public void TryParse_ReadsTheFourRecordsOfTheContract()
    {
        Parse(Rs + """{"chunkgate":"plan","run":"r2","shard":0,"shards":3,"chunksTotal":120,"chunksOwned":40}""")
            .Should().Be(new RunRecord(RunRecordKind.Plan, "r2", 0, Shards: 3, ChunksTotal: 120));
        Parse(Rs + """{"chunkgate":"chunk","run":"r2","shard":0,"index":17,"from":1700,"to":1800,"rows":98,"bytes":5120}""")
            .Should().Be(new RunRecord(RunRecordKind.Chunk, "r2", 0, Index: 17, From: 1700, To: 1800, Rows: 98, Bytes: 5120));
        Parse(Rs + """{"chunkgate":"failed","run":"r2","shard":0,"index":17,"from":1700,"to":1800,"sqlstate":"23505","message":"duplicate key"}""")
            .Should().Be(new RunRecord(RunRecordKind.Failed, "r2", 0, Index: 17, From: 1700, To: 1800, SqlState: "23505", Message: "duplicate key"));
        Parse(Rs + """{"chunkgate":"done","run":"r2","shard":0,"chunks":40,"rows":3900,"bytes":204800}""" + "\r")
            .Should().Be(new RunRecord(RunRecordKind.Done, "r2", 0, Chunks: 40, Rows: 3900, Bytes: 204800));
    }

    [Test]
    public void TryParse_AcceptsNegativeKeyBounds_AndUnknownFlatFields()
    {
        Parse(Rs + """{"chunkgate":"chunk","run":"r1","shard":1,"index":1,"from":-200,"to":-100,"rows":0,"bytes":0,"span":"abc"}""")
            .Should().Be(new RunRecord(RunRecordKind.Chunk, "r1", 1, Index: 1, From: -200, To: -100));
    }

    private static IEnumerable<TestCaseData> NotRecords()
    {
        TestCaseData Case(string name, string line) => new TestCaseData(line).SetName($"TryParse_Ignores_{name}");

        yield return Case("RowOutput", "1700,alice,***-**-6789");
        yield return Case("JsonWithoutSeparator", """{"chunkgate":"chunk","run":"r2","shard":0,"index":17,"from":1700,"to":1800,"rows":98,"bytes":5120}""");
        yield return Case("SeparatorNotFirst", " " + Rs + """{"chunkgate":"done","run":"r2","shard":0,"chunks":1,"rows":1,"bytes":1}""");
        yield return Case("DuplicateShard", Rs + """{"chunkgate":"chunk","run":"r2","shard":0,"shard":1,"index":1,"from":0,"to":10,"rows":1,"bytes":1}""");
        yield return Case("NestedObject", Rs + """{"chunkgate":"chunk","run":"r2","shard":0,"index":1,"from":0,"to":10,"rows":1,"bytes":1,"x":{"y":1}}""");
        yield return Case("ShardAsString", Rs + """{"chunkgate":"chunk","run":"r2","shard":"0","index":1,"from":0,"to":10,"rows":1,"bytes":1}""");
        yield return Case("NegativeIndex", Rs + """{"chunkgate":"chunk","run":"r2","shard":0,"index":-1,"from":0,"to":10,"rows":1,"bytes":1}""");
        yield return Case("FractionalRows", Rs + """{"chunkgate":"chunk","run":"r2","shard":0,"index":1,"from":0,"to":10,"rows":1.5,"bytes":1}""");
        yield return Case("HugeNumber", Rs + """{"chunkgate":"chunk","run":"r2","shard":0,"index":99999999999999999999,"from":0,"to":10,"rows":1,"bytes":1}""");
        yield return Case("EmptyRange", Rs + """{"chunkgate":"chunk","run":"r2","shard":0,"index":1,"from":10,"to":10,"rows":1,"bytes":1}""");
        yield return Case("MissingRun", Rs + """{"chunkgate":"done","shard":0,"chunks":1,"rows":1,"bytes":1}""");
        yield return Case("UnknownKind", Rs + """{"chunkgate":"claim","run":"r2","shard":0}""");
        yield return Case("TrailingGarbage", Rs + """{"chunkgate":"done","run":"r2","shard":0,"chunks":1,"rows":1,"bytes":1} {}""");
        yield return Case("Truncated", Rs + """{"chunkgate":"done","run":"r2","shard":0,"chunks":1,"rows":1""");
        yield return Case("Array", Rs + "[1,2,3]");
        yield return Case("Comment", Rs + """{"chunkgate":"done","run":"r2",/*x*/"shard":0,"chunks":1,"rows":1,"bytes":1}""");
        yield return Case("ZeroShards", Rs + """{"chunkgate":"plan","run":"r2","shard":0,"shards":0,"chunksTotal":10}""");
        yield return Case("Oversized", Rs + """{"chunkgate":"failed","run":"r2","shard":0,"index":1,"from":0,"to":10,"message":""" + "\"" + new string('x', 9000) + "\"}");
    }

    [TestCaseSource(nameof(NotRecords))]
    public void TryParse_IgnoresWhatIsNotARecord(string line)
    {
        RunRecordParser.TryParse(Encoding.UTF8.GetBytes(line), out var record).Should().BeFalse();
        record.Should().BeNull();
    }

    [Test]
    public void TryParse_IgnoresInvalidUtf8Bytes()
    {
        byte[] line = [0x1E, .. "{\"chunkgate\":\"done\",\"run\":\""u8, 0xC3, 0x28, .. "\",\"shard\":0,\"chunks\":1,\"rows\":1,\"bytes\":1}"u8];

        RunRecordParser.TryParse(line, out _).Should().BeFalse();
    }

    [Test]
    public void TryParse_KeepsAFailureMessageOnOneBoundedLine()
    {
        var record = Parse(Rs + """{"chunkgate":"failed","run":"r2","shard":0,"index":1,"from":0,"to":10,"sqlstate":"2350'","message":"line1\nline2""" + new string('y', 2000) + "\"}");

        record!.Message.Should().StartWith("line1 line2").And.HaveLength(RunRecordParser.MaxMessageChars + 1);
        record.SqlState.Should().BeNull("a SQLSTATE is five letters or digits");
    }

    /// <summary>Random and mutated lines: the parser never throws, and what it accepts is a well-formed record.</summary>
    [Test]
    public void TryParse_Fuzz_NeverThrows_AndAcceptsOnlyWellFormedRecords()
    {
        var random = new Random(1402);
        var seeds = new[]
        {
            Rs + """{"chunkgate":"chunk","run":"r2","shard":0,"index":17,"from":1700,"to":1800,"rows":98,"bytes":5120}""",
            Rs + """{"chunkgate":"failed","run":"r2","shard":0,"index":17,"from":1700,"to":1800,"sqlstate":"23505","message":"x"}""",
            Rs + """{"chunkgate":"plan","run":"r2","shard":0,"shards":3,"chunksTotal":120,"chunksOwned":40}""",
        }.Select(Encoding.UTF8.GetBytes).ToArray();
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var line = seeds[random.Next(seeds.Length)].ToArray();
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                switch (random.Next(4))
                {
                    case 0: line[random.Next(line.Length)] = (byte)random.Next(256); break;
                    case 1: line = line[..random.Next(line.Length)]; break;
                    case 2: line = [.. line, .. line[..random.Next(line.Length)]]; break;
                    default: line[random.Next(line.Length)] = (byte)"{}[]\",:0123456789-"[random.Next(18)]; break;
                }

                if (line.Length == 0)
                {
                    line = [0x1E];
                }
            }

            if (RunRecordParser.TryParse(line, out var record))
            {
                accepted++;
                record!.Run.Should().NotBeNull();
                record.Shard.Should().BeGreaterOrEqualTo(0);
                record.Index.Should().BeGreaterOrEqualTo(0);
                if (record.Kind is RunRecordKind.Chunk or RunRecordKind.Failed)
                {
                    record.From.Should().BeLessThan(record.To);
                }
            }
        }

        accepted.Should().BeGreaterThan(0, "some mutations (e.g. of a digit) still give records");
    }
}
