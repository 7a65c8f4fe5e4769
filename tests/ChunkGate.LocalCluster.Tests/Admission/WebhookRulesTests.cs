using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Admission;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Security;

namespace ChunkGate.LocalCluster.Tests.Admission;

public sealed class WebhookRulesTests
{
    private static AdmissionAttributes Request(ResourceType type, string operation, string subresource = "") =>
        new(type, subresource, operation, "ns", "x", new JsonObject(), null, UserInfo.System, false, new JsonObject(), []);

    private static JsonObject Rule(string resources, string operations = "\"*\"", string groups = "\"*\"") =>
        JsonNode.Parse($$"""{"apiGroups":[{{groups}}],"apiVersions":["*"],"operations":[{{operations}}],"resources":[{{resources}}]}""")!.AsObject();

    [TestCase("\"pods\"", "", true)]
    [TestCase("\"pods\"", "status", false)]
    [TestCase("\"pods/status\"", "status", true)]
    [TestCase("\"pods/*\"", "status", true)]
    [TestCase("\"pods/*\"", "", false)]
    [TestCase("\"*\"", "", true)]
    [TestCase("\"*\"", "status", false)]
    [TestCase("\"*/*\"", "status", true)]
    [TestCase("\"*/*\"", "", true)]
    public void RuleMatches_FollowsResourceAndSubresourcePatterns(string resources, string subresource, bool expected) =>
        WebhookRules.RuleMatches(Rule(resources), Request(BuiltInResources.Pods, "UPDATE", subresource)).Should().Be(expected);

    [Test]
    public void RuleMatches_RequiresTheOperationAndGroup()
    {
        WebhookRules.RuleMatches(Rule("\"pods\"", "\"CREATE\""), Request(BuiltInResources.Pods, "DELETE")).Should().BeFalse();
        WebhookRules.RuleMatches(Rule("\"pods\"", groups: "\"apps\""), Request(BuiltInResources.Pods, "CREATE")).Should().BeFalse();
    }

    [Test]
    public void Matches_HonoursTheNamespaceSelector()
    {
        var webhook = JsonNode.Parse("""{"rules":[{"apiGroups":["*"],"apiVersions":["*"],"operations":["*"],"resources":["*"]}],"namespaceSelector":{"matchExpressions":[{"key":"env","operator":"In","values":["prod"]}]}}""")!.AsObject();

        WebhookRules.Matches(webhook, Request(BuiltInResources.Pods, "CREATE"), new Dictionary<string, string> { ["env"] = "prod" }).Should().BeTrue();
        WebhookRules.Matches(webhook, Request(BuiltInResources.Pods, "CREATE"), new Dictionary<string, string> { ["env"] = "dev" }).Should().BeFalse();
    }
}
