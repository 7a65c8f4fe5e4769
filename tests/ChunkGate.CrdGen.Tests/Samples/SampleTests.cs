namespace ChunkGate.CrdGen.Tests.Samples;

public sealed class SampleTests
{
    private static readonly string SamplesDirectory = Path.Combine(RepositoryFiles.Root, "samples");
    private static readonly string InvalidDirectory = Path.Combine(RepositoryFiles.Root, "tests", "ChunkGate.CrdGen.Tests", "Samples", "Invalid");

    private static Api.Connections.DataConnection SampleConnection =>
        SampleChecker.ReadConnection(File.ReadAllText(Path.Combine(SamplesDirectory, "dataconnection.yaml")));

    public static IEnumerable<string> Samples() =>
        Directory.GetFiles(Path.Combine(CrdFiles.FindRepositoryRoot(TestContext.CurrentContext.TestDirectory), "samples"), "*.yaml")
            .Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    public static IEnumerable<string> InvalidSamples() =>
        Directory.GetFiles(Path.Combine(CrdFiles.FindRepositoryRoot(TestContext.CurrentContext.TestDirectory), "tests", "ChunkGate.CrdGen.Tests", "Samples", "Invalid"), "*.yaml")
            .Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    [Test]
    public void Samples_CoverEveryKind()
    {
        var text = string.Join("\n", Samples().Select(name => File.ReadAllText(Path.Combine(SamplesDirectory, name))));
        text.Should().Contain("kind: DataConnection").And.Contain("kind: ChunkJob").And.Contain("kind: ChunkApproval");
    }

    [TestCaseSource(nameof(Samples))]
    public void Sample_PassesSchemaAndValidation(string file)
    {
        SampleChecker.Check(File.ReadAllText(Path.Combine(SamplesDirectory, file)), SampleConnection).Should().BeEmpty();
    }

    [TestCaseSource(nameof(Samples))]
    public void Sample_IsCommentedForANewcomer(string file)
    {
        File.ReadAllLines(Path.Combine(SamplesDirectory, file)).TakeWhile(line => line.StartsWith('#')).Should().HaveCountGreaterThanOrEqualTo(3);
    }

    [Test]
    public void SampleJob_ExportsOrdersJoinedWithCustomers_ChunkedById()
    {
        var job = File.ReadAllText(Path.Combine(SamplesDirectory, "chunkjob.yaml"));

        // customers has masked columns: named without its schema, it is read through its masking view.
        job.Should().Contain("action: export").And.Contain("keyColumn: id").And.Contain("JOIN customers c").And.NotContain("JOIN public.customers");
    }

    /// <summary>
    /// Each file under Samples/Invalid is a sample broken on purpose; its <c># expect:</c> lines are
    /// the exact messages it must be rejected with (and nothing else).
    /// </summary>
    [TestCaseSource(nameof(InvalidSamples))]
    public void InvalidSample_IsRejectedWithTheExpectedMessages(string file)
    {
        var text = File.ReadAllText(Path.Combine(InvalidDirectory, file));
        var expected = text.Split('\n')
            .Where(line => line.StartsWith("# expect: ", StringComparison.Ordinal))
            .Select(line => line["# expect: ".Length..].TrimEnd('\r'))
            .ToList();
        expected.Should().NotBeEmpty($"{file} must say what it expects");

        SampleChecker.Check(text, SampleConnection).Should().BeEquivalentTo(expected);
    }
}
