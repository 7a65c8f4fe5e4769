using System.Text.Json.Nodes;
using ChunkGate.Kubectl.Output;
using ChunkGate.Testing.Yaml;

namespace ChunkGate.Kubectl.Tests.Output;

public sealed class YamlTextTests
{
    [Test]
    public void Write_GivesYamlThatReadsBackAsTheSameDocument()
    {
        var document = JsonNode.Parse("""
            {"name":"export-customers","hash":"sha256:ab12","count":3,"ratio":0.5,"ok":true,"none":null,
             "tricky":["yes","no","null","10","1e3","0x1F","- dash","a: b","#hash","x #y"," lead","trail ","",
                       "quote\"d","tab\there","2026-11-30T10:00:00Z","1:20","0o17","$1 and *x < $2","a|b","it's","[x]","crlf\r\nline","two\n\n"],
             "query":"SELECT id\n  FROM customers\nWHERE id >= $1\n",
             "nested":{"list":[{"a":1,"b":[1,2]},[3,4],{}],"empty":[]},
             "unicode":"Zoë ✓"}
            """)!;
        var output = new StringWriter();

        YamlText.Write(output, document);

        var back = YamlJson.ParseSingle(output.ToString());
        JsonNode.DeepEquals(back, document).Should().BeTrue(output.ToString());
    }

    [TestCase("2026-11-30T10:00:00.000Z")]
    [TestCase("1:20")]
    [TestCase("0o17")]
    [TestCase("0b101")]
    [TestCase("yes")]
    public void Write_QuotesWhatAYaml11ReaderWouldNotReadAsAString(string text)
    {
        var output = new StringWriter();

        YamlText.Write(output, new JsonObject { ["v"] = text });

        output.ToString().Should().Be($"v: \"{text}\"\n");
    }

    [Test]
    public void Write_KeepsAQueryReadable_AsALiteralBlock()
    {
        var output = new StringWriter();

        YamlText.Write(output, new JsonObject { ["query"] = "SELECT id\nFROM customers" });

        output.ToString().Should().Be("query: |-\n  SELECT id\n  FROM customers\n");
    }
}
