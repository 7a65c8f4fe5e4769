using System.Text;
using System.Text.Json;
using ChunkGate.Kubernetes.Json;
using k8s.Models;

namespace ChunkGate.Kubernetes.Tests.Json;

/// <summary>What informers decode with (<see cref="KubernetesJsonOptions.Cached"/>): the same objects, with repeated strings shared.</summary>
public sealed class CachedJsonOptionsTests
{
    private static string Pod(string name, string uid, string message) => $$$"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","namespace":"team-a","uid":"{{{uid}}}",
         "labels":{"app.kubernetes.io/name":"runner"},"finalizers":["chunkgate.io/revoke-credentials"]},
         "status":{"phase":"Running","message":"{{{message}}}"}}
        """;

    private static V1Pod Read(string json, JsonSerializerOptions options) => JsonSerializer.Deserialize<V1Pod>(json, options)!;

    [Test]
    public void Read_SharesOneInstancePerRepeatedString_ValuesAndKeys()
    {
        var first = Read(Pod("p-1", "uid-1", "ok"), KubernetesJsonOptions.Cached);
        var second = Read(Pod("p-2", "uid-2", "ok"), KubernetesJsonOptions.Cached);

        second.Metadata.NamespaceProperty.Should().BeSameAs(first.Metadata.NamespaceProperty);
        second.Metadata.Finalizers[0].Should().BeSameAs(first.Metadata.Finalizers[0]);
        second.Metadata.Labels.Keys.Single().Should().BeSameAs(first.Metadata.Labels.Keys.Single());
        second.Metadata.Labels.Values.Single().Should().BeSameAs(first.Metadata.Labels.Values.Single());
        second.Status.Phase.Should().BeSameAs(first.Status.Phase);
        second.Metadata.Uid.Should().Be("uid-2");
    }

    [Test]
    public void Read_GivesWhatTheDefaultOptionsGive_EscapedLongAndNonAscii()
    {
        var escaped = "a \\u003e b \\\"quoted\\\" \\u00e9t\\u00e9 \\ud83d\\ude00";
        var longMessage = new string('x', InterningStringConverter.MaxLength + 1);
        foreach (var json in (string[])[Pod("p", "u", escaped), Pod("p", "u", longMessage), Pod("p", "u", "déjà vu ✓"), Pod("p", "u", "")])
        {
            var cached = Read(json, KubernetesJsonOptions.Cached);
            var plain = Read(json, KubernetesJsonOptions.Default);

            JsonSerializer.Serialize(cached, KubernetesJsonOptions.Default).Should().Be(JsonSerializer.Serialize(plain, KubernetesJsonOptions.Default));
        }

        Read(Pod("p", "u", escaped), KubernetesJsonOptions.Cached).Status.Message.Should().Be("a > b \"quoted\" été 😀");
    }

    [Test]
    public void Read_RejectsWhatTheDefaultOptionsReject_WrongTokensAndInvalidUtf8()
    {
        var invalidUtf8 = Encoding.UTF8.GetBytes("""{"metadata":{"name":"ab"}}""");
        invalidUtf8[Array.LastIndexOf(invalidUtf8, (byte)'a')] = 0xC3; // in the name: a lead byte without its continuation
        foreach (var json in (byte[][])[Encoding.UTF8.GetBytes("""{"metadata":{"name":42}}"""), Encoding.UTF8.GetBytes("""{"metadata":{"labels":{"a":7}}}"""), invalidUtf8])
        {
            var cached = () => JsonSerializer.Deserialize<V1Pod>(json, KubernetesJsonOptions.Cached);
            var plain = () => JsonSerializer.Deserialize<V1Pod>(json, KubernetesJsonOptions.Default);

            plain.Should().Throw<JsonException>();
            cached.Should().Throw<JsonException>();
        }
    }

    [Test]
    public void Pool_KeepsWhatRecurs_AndLetsOneOffValuesAgeOut()
    {
        var pool = new StringPool(generationSize: 4);
        var recurring = pool.Intern("demo");
        var oneOff = pool.Intern("uid-0");
        for (var i = 1; i <= 20; i++)
        {
            pool.Intern($"uid-{i}");
            pool.Intern("demo").Should().BeSameAs(recurring, "a string seen in every generation stays shared");
        }

        pool.Intern("uid-0").Should().NotBeSameAs(oneOff, "a string not seen for two generations is no longer held");
        pool.Intern("uid-0").Should().Be("uid-0");
    }
}
