using System.Text.Json;
using System.Text.Json.Nodes;
using ChunkGate.Testing.Yaml;

namespace ChunkGate.Testing.Tests.Yaml;

public sealed class YamlJsonTests
{
    [Test]
    public void ParseSingle_TypesPlainScalarsLikeTheCoreSchema()
    {
        var node = YamlJson.ParseSingle("""
            port: 5432
            ratio: 0.5
            enabled: true
            nothing: null
            tilde: ~
            name: orders
            quotedNumber: "5432"
            quotedBool: 'true'
            tagged: !!str 42
            """);
        Kind(node["port"]).Should().Be(JsonValueKind.Number);
        Kind(node["ratio"]).Should().Be(JsonValueKind.Number);
        Kind(node["enabled"]).Should().Be(JsonValueKind.True);
        node["nothing"].Should().BeNull();
        node["tilde"].Should().BeNull();
        node["name"]!.GetValue<string>().Should().Be("orders");
        node["quotedNumber"]!.GetValue<string>().Should().Be("5432");
        node["quotedBool"]!.GetValue<string>().Should().Be("true");
        node["tagged"]!.GetValue<string>().Should().Be("42");
    }

    [Test]
    public void ParseDocuments_SplitsMultiDocumentFiles_AndSkipsEmptyOnes()
    {
        var documents = YamlJson.ParseDocuments("a: 1\n---\n---\nb: [x, y]\n");
        documents.Should().HaveCount(2);
        documents[1]["b"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("x", "y");
    }

    [Test]
    public void ParseSingle_RejectsDuplicateKeys()
    {
        var act = () => YamlJson.ParseSingle("a: 1\na: 2\n");
        act.Should().Throw<Exception>().Which.Message.Should().Contain("a");
    }

    [Test]
    public void ParseSingle_KeepsBlockScalarsVerbatim()
    {
        var node = YamlJson.ParseSingle("query: |\n  SELECT 1\n  WHERE $1 < $2\n");
        node["query"]!.GetValue<string>().Should().Be("SELECT 1\nWHERE $1 < $2\n");
    }

    private static JsonValueKind Kind(JsonNode? node) => node!.GetValueKind();
}
