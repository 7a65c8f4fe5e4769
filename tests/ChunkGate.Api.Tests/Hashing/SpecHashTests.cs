using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.Api.Hashing;
using ChunkGate.Api.Jobs;
using ChunkGate.Api.Tests.Builders;
using k8s;

namespace ChunkGate.Api.Tests.Hashing;

public sealed class SpecHashTests
{
    private const string Spec = """{"action":"export","tables":["public.orders"],"chunking":{"table":"public.orders","keyColumn":"id","chunkSize":1000},"query":"SELECT 1 WHERE $1 < $2"}""";

    [Test]
    public void Compute_HasTheDocumentedFormat()
    {
        SpecHash.Compute(Spec).Should().MatchRegex(SpecHash.Pattern);
    }

    [Test]
    public void Compute_IsTheSha256OfTheCanonicalForm()
    {
        var canonical = """{"action":"export","chunking":{"chunkSize":1000,"keyColumn":"id","table":"public.orders"},"query":"SELECT 1 WHERE $1 < $2","tables":["public.orders"]}""";
        CanonicalJson.Write(JsonNode.Parse(Spec)).Should().Be(canonical);
        var expected = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        SpecHash.Compute(Spec).Should().Be(expected);
    }

    [Test]
    public void Compute_KeepsTheGoldenHash_ApprovalsAlreadyStoredBindTo()
    {
        SpecHash.Compute(Spec).Should().Be("sha256:e67f0f6eb1628368849b54a6d027fff1539f6adad13e473ac94fc2d31aca594f");
        SpecHash.Of(KubernetesJson.Deserialize<ChunkJob>(Job(Spec))).Should().Be("sha256:e67f0f6eb1628368849b54a6d027fff1539f6adad13e473ac94fc2d31aca594f");
    }

    [Test]
    public void Compute_IsStableAcrossKeyOrder()
    {
        var reordered = """{"query":"SELECT 1 WHERE $1 < $2","chunking":{"chunkSize":1000,"table":"public.orders","keyColumn":"id"},"tables":["public.orders"],"action":"export"}""";
        SpecHash.Compute(reordered).Should().Be(SpecHash.Compute(Spec));
    }

    [Test]
    public void Compute_IsStableAcrossWhitespace()
    {
        var pretty = JsonNode.Parse(Spec)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        pretty.Should().Contain("\n");
        SpecHash.Compute(pretty).Should().Be(SpecHash.Compute(Spec));
    }

    [Test]
    public void Compute_TreatsEscapedAndLiteralUnicodeAlike()
    {
        var literal = """{"query":"SELECT 'café', '日本' WHERE $1 < $2"}""";
        var escaped = """{"query":"SELECT 'caf\u00e9', '\u65e5\u672c' WHERE $1 < $2"}""";
        SpecHash.Compute(escaped).Should().Be(SpecHash.Compute(literal));
    }

    [Test]
    public void Compute_DistinguishesUnicodeNormalForms_BecauseTheDatabaseDoes()
    {
        var composed = "{\"query\":\"SELECT 'caf\u00e9'\"}";
        var decomposed = "{\"query\":\"SELECT 'cafe\u0301'\"}";
        decomposed.Should().NotBe(composed);
        SpecHash.Compute(decomposed).Should().NotBe(SpecHash.Compute(composed));
    }

    [Test]
    public void Compute_HandlesAstralCharactersAndControlCharacters()
    {
        var text = """{"query":"SELECT '😀\t\u0001'"}""";
        CanonicalJson.Write(JsonNode.Parse(text)).Should().Be("{\"query\":\"SELECT '😀\\t\\u0001'\"}");
    }

    [Test]
    public void Compute_TreatsExplicitNullLikeAbsent()
    {
        SpecHash.Compute("""{"a":1,"output":null}""").Should().Be(SpecHash.Compute("""{"a":1}"""));
    }

    [Test]
    public void Compute_NormalisesNumberSpelling()
    {
        SpecHash.Compute("""{"chunkSize":1000.0}""").Should().Be(SpecHash.Compute("""{"chunkSize":1000}"""));
        SpecHash.Compute("""{"chunkSize":1e3}""").Should().Be(SpecHash.Compute("""{"chunkSize":1000}"""));
    }

    [Test]
    public void Compute_KeepsArrayOrder()
    {
        SpecHash.Compute("""{"tables":["a.b","c.d"]}""").Should().NotBe(SpecHash.Compute("""{"tables":["c.d","a.b"]}"""));
    }

    [TestCase("query", "\"SELECT 2 WHERE $1 < $2\"")]
    [TestCase("action", "\"read\"")]
    [TestCase("tables", "[\"public.orders\",\"public.customers\"]")]
    public void Compute_ChangesWhenAnyValueChanges(string field, string json)
    {
        var changed = JsonNode.Parse(Spec)!.AsObject();
        changed[field] = JsonNode.Parse(json);
        SpecHash.Compute(changed).Should().NotBe(SpecHash.Compute(Spec));
    }

    [Test]
    public void Compute_ChangesWhenANestedValueChanges()
    {
        var changed = JsonNode.Parse(Spec)!;
        changed["chunking"]!["chunkSize"] = 1001;
        SpecHash.Compute(changed).Should().NotBe(SpecHash.Compute(Spec));
    }

    [Test]
    public void Of_AJobReadFromJson_EqualsTheHashOfItsSpecJson()
    {
        var job = KubernetesJson.Deserialize<ChunkJob>(Job(Spec));
        SpecHash.Of(job).Should().Be(SpecHash.Compute(Spec));
    }

    [Test]
    public void Of_FollowsTheStoredJson_WhereTheTypedSpecHasADefault()
    {
        // The typed spec reads an absent "tables" as an empty list and an absent output format as
        // csv; re-serialising it would add both and change the hash of what the server stores.
        var stored = """{"connectionRef":{"name":"c"},"action":"export","chunking":{"table":"public.orders","keyColumn":"id","chunkSize":1000},"query":"SELECT 1 WHERE $1 < $2","output":{}}""";
        var job = KubernetesJson.Deserialize<ChunkJob>(Job(stored));
        var reserialised = KubernetesJson.Serialize(job.Spec);
        reserialised.Should().Contain("\"tables\":[]").And.Contain("\"format\":\"csv\"");
        SpecHash.Compute(reserialised).Should().NotBe(SpecHash.Compute(stored));

        SpecHash.Of(job).Should().Be(SpecHash.Compute(stored));
    }

    [Test]
    public void Of_FollowsTheStoredJson_WhereItHasAnEmptyList()
    {
        var stored = """{"connectionRef":{"name":"c"},"action":"read","tables":[],"chunking":{"table":"public.orders","keyColumn":"id","chunkSize":1},"query":"SELECT 1"}""";
        var withoutList = """{"connectionRef":{"name":"c"},"action":"read","chunking":{"table":"public.orders","keyColumn":"id","chunkSize":1},"query":"SELECT 1"}""";
        var job = KubernetesJson.Deserialize<ChunkJob>(Job(stored));
        var other = KubernetesJson.Deserialize<ChunkJob>(Job(withoutList));

        KubernetesJson.Serialize(job.Spec).Should().Be(KubernetesJson.Serialize(other.Spec));
        SpecHash.Of(job).Should().Be(SpecHash.Compute(stored)).And.NotBe(SpecHash.Of(other));
    }

    [Test]
    public void Of_IgnoresEditsOfTheTypedSpec_AndRefusesAnObjectBuiltInCode()
    {
        var job = KubernetesJson.Deserialize<ChunkJob>(Job(Spec));
        job.Spec.Query = "SELECT 2";
        SpecHash.Of(job).Should().Be(SpecHash.Compute(Spec));

        var act = () => SpecHash.Of(ChunkJobs.Export());
        act.Should().Throw<InvalidOperationException>().WithMessage("*not read from JSON*");
    }

    [Test]
    public void Of_RefusesASpecReplacedInCode_AndFollowsACopy()
    {
        var job = KubernetesJson.Deserialize<ChunkJob>(Job(Spec));
        var copy = (ChunkJob)job.Clone();
        SpecHash.Of(copy).Should().Be(SpecHash.Compute(Spec));

        job.Spec = ChunkJobs.Export().Spec;
        var act = () => SpecHash.Of(job);
        act.Should().Throw<InvalidOperationException>().WithMessage("*not read from JSON*");
        SpecHash.Of(copy).Should().Be(SpecHash.Compute(Spec), "the copy holds its own spec");
    }

    [Test]
    public void Compute_OfAnElement_EqualsComputeOfItsText()
    {
        using var document = System.Text.Json.JsonDocument.Parse(Spec);
        SpecHash.Compute(document.RootElement).Should().Be(SpecHash.Compute(Spec));
    }

    private static string Job(string spec) => $$"""{"apiVersion":"chunkgate.io/v1alpha1","kind":"ChunkJob","metadata":{"name":"j","namespace":"n"},"spec":{{spec}}}""";
}
