using System.Text.Json.Nodes;
using ChunkGate.Testing.Schema;

namespace ChunkGate.Testing.Tests.Schema;

public sealed class StructuralSchemaValidatorTests
{
    private static readonly JsonNode Schema = JsonNode.Parse("""
        {
          "type": "object",
          "required": ["spec"],
          "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
            "spec": {
              "type": "object",
              "required": ["name"],
              "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "^[a-z]+$"},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "size": {"type": "integer", "minimum": 1, "maximum": 10},
                "at": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2, "x-kubernetes-list-type": "set"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "conditions": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"],
                               "items": {"type": "object", "properties": {"type": {"type": "string"}}}}
              }
            }
          }
        }
        """)!;

    private static IReadOnlyList<string> Check(string spec) =>
        StructuralSchemaValidator.Validate(Schema, JsonNode.Parse($$"""{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n","anything":1},"spec":{{spec}}}"""))
            .Select(v => v.Message).ToList();

    [Test]
    public void Validate_AcceptsAConformingObject()
    {
        Check("""{"name":"abc","mode":"a","size":3,"at":"2026-11-23T10:00:00Z","tags":["x"],"labels":{"k":"v"},"free":{"any":{"thing":1}},"conditions":[{"type":"Ready"}]}""")
            .Should().BeEmpty();
    }

    [TestCase("""{}""", "spec.name: Required value")]
    [TestCase("""{"name":"ABC"}""", "spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'")]
    [TestCase("""{"name":""}""", "spec.name: Invalid value: \"\": spec.name in body should be at least 1 chars long", "spec.name: Invalid value: \"\": spec.name in body should match '^[a-z]+$'")]
    [TestCase("""{"name":"abcdef"}""", "spec.name: Too long: may not be longer than 5")]
    [TestCase("""{"name":"abc","mode":"c"}""", "spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"")]
    [TestCase("""{"name":"abc","size":0}""", "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1")]
    [TestCase("""{"name":"abc","size":11}""", "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10")]
    [TestCase("""{"name":"abc","size":1.5}""", "spec.size: Invalid value: \"number\": spec.size in body must be of type integer: \"number\"")]
    [TestCase("""{"name":"abc","size":"3"}""", "spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\"")]
    [TestCase("""{"name":"abc","at":"yesterday"}""", "spec.at: Invalid value: \"string\": spec.at in body must be of type string: \"string\"")]
    [TestCase("""{"name":"abc","tags":[]}""", "spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items")]
    [TestCase("""{"name":"abc","tags":["a","b","c"]}""", "spec.tags: Too many: 3: must have at most 2 items")]
    [TestCase("""{"name":"abc","tags":["a","a"]}""", "spec.tags[1]: Duplicate value: \"a\"")]
    [TestCase("""{"name":"abc","tags":[1]}""", "spec.tags[0]: Invalid value: \"integer\": spec.tags[0] in body must be of type string: \"integer\"")]
    [TestCase("""{"name":"abc","labels":{"k":1}}""", "spec.labels.k: Invalid value: \"integer\": spec.labels.k in body must be of type string: \"integer\"")]
    [TestCase("""{"name":"abc","conditions":[{"type":"A"},{"type":"A"}]}""", "spec.conditions[1]: Duplicate value: map[\"A\"]")]
    [TestCase("""{"name":"abc","extra":true}""", "unknown field \"spec.extra\"")]
    [TestCase("""[]""", "spec: Invalid value: \"array\": spec in body must be of type object: \"array\"")]
    public void Validate_ReportsViolationsInApiServerWording(string spec, params string[] expected)
    {
        Check(spec).Should().BeEquivalentTo(expected);
    }

    [Test]
    public void Validate_ReportsMissingSpec()
    {
        StructuralSchemaValidator.Validate(Schema, JsonNode.Parse("""{"kind":"K"}"""))
            .Should().ContainSingle().Which.Should().Be(new SchemaViolation("spec", SchemaViolationKind.Required, "spec: Required value"));
    }

    [Test]
    public void Validate_CountsMaxLengthInCodePoints()
    {
        Check("""{"name":"abc","mode":"a"}""").Should().BeEmpty();
        var schema = JsonNode.Parse("""{"type":"object","properties":{"s":{"type":"string","maxLength":2}}}""")!;
        StructuralSchemaValidator.Validate(schema, JsonNode.Parse("""{"s":"😀😀"}""")).Should().BeEmpty();
    }

    [Test]
    public void Validate_MarksUnknownFieldsSoCallersCanPruneOrReject()
    {
        var violations = StructuralSchemaValidator.Validate(Schema, JsonNode.Parse("""{"spec":{"name":"abc","x":1,"y":2}}"""));
        violations.Select(v => (v.Path, v.Kind)).Should().Equal(("spec.x", SchemaViolationKind.UnknownField), ("spec.y", SchemaViolationKind.UnknownField));
    }
}
