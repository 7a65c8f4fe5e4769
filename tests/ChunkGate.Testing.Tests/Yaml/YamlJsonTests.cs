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

    [Test]
    public void ParseDocuments_ReportsBrokenYamlAsFormatException()
    {
        var act = () => YamlJson.ParseDocuments("a: [1, 2\nb: 3\n");
        act.Should().Throw<FormatException>().WithMessage("invalid YAML: *");
    }

    [Test]
    public void ParseDocuments_RejectsNonScalarKeys()
    {
        var act = () => YamlJson.ParseDocuments("? [a, b]\n: 1\n");
        act.Should().Throw<FormatException>().WithMessage("invalid YAML: a mapping key must be a scalar*");
    }

    [Test]
    public void ParseDocuments_GivesValuesThatReadLikeParsedJson()
    {
        var node = YamlJson.ParseSingle("port: 5432\n");
        node["port"]!.GetValue<JsonElement>().GetInt32().Should().Be(5432);
    }

    [TestCase("{\"a\": 1}")]
    [TestCase("a: 1\n")]
    [TestCase("{a: 1}")]
    public void ParseBody_AcceptsJsonAndYaml(string body)
    {
        YamlJson.ParseBody(body)!["a"]!.GetValue<JsonElement>().GetInt64().Should().Be(1);
    }

    private static JsonValueKind Kind(JsonNode? node) => node!.GetValueKind();
}
