using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ChunkGate.Api.Meta;
using ChunkGate.Api.Schema;
using ChunkGate.CrdGen.Transpiling;
using DescriptionAttribute = System.ComponentModel.DescriptionAttribute;
using RangeAttribute = ChunkGate.Api.Schema.RangeAttribute;
using RequiredAttribute = ChunkGate.Api.Schema.RequiredAttribute;

namespace ChunkGate.CrdGen.Tests.Transpiling;

/// <summary>The attribute-to-schema mapping, on a kind made for the test.</summary>
public sealed class CrdTranspilerTests
{
    [KubernetesEntity("Widget", "widgets", ShortNames = ["wd"], Categories = ["toys"], Description = "A test kind.")]
    [PrinterColumn(1, "Size", PrinterColumnType.Integer, ".spec.size", Priority = 1)]
    [PrinterColumn(0, "Color", PrinterColumnType.String, ".spec.color", Description = "Its color.")]
    public sealed class Widget() : CustomResource<WidgetSpec, WidgetStatus>("Widget");

    public sealed class WidgetSpec : ResourceSpec
    {
        [Required, Description("The color."), Default("red")]
        public Color Color { get; set; }

        [Range(1, 10)]
        public int Size { get; set; }

        [Length(2, 8), Pattern("^[a-z]+$")]
        public string? Nickname { get; set; }

        [Items(1, 3, Unique = true)]
        public List<string> Tags { get; set; } = [];

        public Dictionary<string, string>? Labels { get; set; }

        [JsonPropertyName("maxTTL")]
        public string? MaxTtl { get; set; }

        public long Big { get; set; }

        public bool? Flag { get; set; }

        public DateTimeOffset? At { get; set; }
    }

    public enum Color
    {
        [JsonStringEnumMemberName("red")] Red,
        [JsonStringEnumMemberName("dark-blue")] DarkBlue,
    }

    public sealed class WidgetStatus
    {
        [ListMapKey("type")]
        public List<Condition>? Conditions { get; set; }
    }

    [KubernetesEntity("Unmappable", "unmappables")]
    public sealed class Unmappable() : CustomResource<UnmappableSpec, WidgetStatus>("Unmappable");

    public sealed class UnmappableSpec : ResourceSpec
    {
        public HashSet<string> Set { get; set; } = [];
    }

    private static JsonNode Spec => CrdTranspiler.Transpile(typeof(Widget))["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;

    [Test]
    public void Transpile_MapsTypesAndConstraints()
    {
        var properties = Spec["properties"]!;
        properties["color"]!.ToJsonString().Should().Be("""{"description":"The color.","type":"string","enum":["red","dark-blue"],"default":"red"}""");
        properties["size"]!.ToJsonString().Should().Be("""{"type":"integer","format":"int32","minimum":1,"maximum":10}""");
        properties["nickname"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).Should().Be("""{"type":"string","pattern":"^[a-z]+$","minLength":2,"maxLength":8}""");
        properties["tags"]!.ToJsonString().Should().Be("""{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3,"x-kubernetes-list-type":"set"}""");
        properties["labels"]!.ToJsonString().Should().Be("""{"type":"object","additionalProperties":{"type":"string"}}""");
        properties["maxTTL"]!.ToJsonString().Should().Be("""{"type":"string"}""");
        properties["big"]!.ToJsonString().Should().Be("""{"type":"integer","format":"int64"}""");
        properties["flag"]!.ToJsonString().Should().Be("""{"type":"boolean"}""");
        properties["at"]!.ToJsonString().Should().Be("""{"type":"string","format":"date-time"}""");
        Spec["required"]!.ToJsonString().Should().Be("""["color"]""");
    }

    [Test]
    public void Transpile_OrdersPrinterColumnsAndKeepsPriority()
    {
        var columns = CrdTranspiler.Transpile(typeof(Widget))["spec"]!["versions"]![0]!["additionalPrinterColumns"]!;
        columns.ToJsonString().Should().Be(
            """[{"name":"Color","type":"string","jsonPath":".spec.color","description":"Its color."},{"name":"Size","type":"integer","jsonPath":".spec.size","priority":1}]""");
    }

    [Test]
    public void Transpile_NamesTheCrdAfterPluralAndGroup()
    {
        var crd = CrdTranspiler.Transpile(typeof(Widget));
        crd["metadata"]!["name"]!.GetValue<string>().Should().Be("widgets.chunkgate.io");
        crd["spec"]!["names"]!.ToJsonString().Should().Be(
            """{"kind":"Widget","listKind":"WidgetList","plural":"widgets","singular":"widget","shortNames":["wd"],"categories":["toys"]}""");
        CrdTranspiler.FileName(typeof(Widget)).Should().Be("widgets.chunkgate.io.yaml");
    }

    [Test]
    public void Transpile_RefusesTypesWithoutAMapping()
    {
        var act = () => CrdTranspiler.Transpile(typeof(Unmappable));
        act.Should().Throw<NotSupportedException>().WithMessage("*HashSet*List<T>*");
    }

    [Test]
    public void Transpile_RefusesClassesThatAreNotEntities()
    {
        var act = () => CrdTranspiler.Transpile(typeof(WidgetSpec));
        act.Should().Throw<ArgumentException>().WithMessage("*WidgetSpec*[KubernetesEntity]*");
    }
}
