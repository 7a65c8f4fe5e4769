using System.Text;
using ChunkGate.Sidecar.Protocol;

namespace ChunkGate.Sidecar.Tests.Protocol;

/// <summary>What the sidecar keeps of a client's prepared statements stays bounded, whatever the client prepares.</summary>
public sealed class PreparedStatementsTests
{
    private static readonly string Huge = new('x', (int)(PreparedStatements.MaxTextCharacters / 4));

    [Test]
    public void Texts_PastTheBudget_AreKeptAsAPlaceholder_NeverCut()
    {
        var prepared = new PreparedStatements();
        for (var index = 0; index < 4; index++)
        {
            prepared.Parse(Encoding.ASCII.GetBytes($"s{index}"), Huge, [], refused: false);
        }

        prepared.Parse("over"u8, "SELECT ssn FROM customers WHERE ssn = '123-45-6789'", [], refused: false);

        prepared.Statement("s3"u8)!.Text.Should().Be(Huge);
        prepared.Statement("over"u8)!.Text.Should().Be(PreparedStatements.TextNotKept);
        prepared.TextCharacters.Should().BeLessThanOrEqualTo(PreparedStatements.MaxTextCharacters + PreparedStatements.TextNotKept.Length);
    }

    [Test]
    public void Closing_AndReplacing_GiveTheBudgetBack()
    {
        var prepared = new PreparedStatements();
        for (var index = 0; index < 4; index++)
        {
            prepared.Parse(Encoding.ASCII.GetBytes($"s{index}"), Huge, [], refused: false);
        }

        prepared.Close((byte)'S', "s0"u8);
        prepared.Parse("s1"u8, "SELECT 1", [], refused: false);
        prepared.Parse("again"u8, Huge, [], refused: false);

        prepared.Statement("s0"u8).Should().BeNull();
        prepared.Statement("again"u8)!.Text.Should().Be(Huge);
        prepared.TextCharacters.Should().Be((3L * Huge.Length) + "SELECT 1".Length);
    }

    [Test]
    public void UnnamedStatement_IsReplacedByTheNextParse_WithoutGrowing()
    {
        var prepared = new PreparedStatements();
        for (var index = 0; index < 100; index++)
        {
            prepared.Parse([], Huge, [], refused: false);
        }

        prepared.StatementCount.Should().Be(1);
        prepared.TextCharacters.Should().Be(Huge.Length);
    }

    [Test]
    public void Names_PastTheLimit_AreNotTracked()
    {
        var prepared = new PreparedStatements();
        for (var index = 0; index <= PreparedStatements.MaxEntries; index++)
        {
            prepared.Parse(Encoding.ASCII.GetBytes($"s{index}"), "SELECT 1", [], refused: false);
        }

        prepared.StatementCount.Should().Be(PreparedStatements.MaxEntries);
        prepared.Statement(Encoding.ASCII.GetBytes($"s{PreparedStatements.MaxEntries}")).Should().BeNull();
    }

    [Test]
    public void PortalShapes_PastTheBudget_AreNotTracked_AndClosingGivesThemBack()
    {
        var prepared = new PreparedStatements();
        var statement = new PreparedStatement("SELECT $1", [], false);
        var many = new ChunkGate.Sidecar.Recording.ParameterShape[30_000];
        for (var index = 0; index < PreparedStatements.MaxParameterShapes / many.Length; index++)
        {
            prepared.Bind(Encoding.ASCII.GetBytes($"p{index}"), statement, many);
        }

        prepared.Bind("over"u8, statement, many);
        prepared.Portal("over"u8).Should().BeNull();
        prepared.Close((byte)'P', "p0"u8);
        prepared.Bind("over"u8, statement, many);
        prepared.Portal("over"u8)!.Parameters.Should().HaveCount(many.Length);
    }
}
