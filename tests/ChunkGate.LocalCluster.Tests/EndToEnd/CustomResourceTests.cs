using ChunkGate.LocalCluster.Tests.Support;

namespace ChunkGate.LocalCluster.Tests.EndToEnd;

/// <summary>CRD-served resources as kubectl sees them: printing, apply, describe, validation, subresources, conflicts.</summary>
[Category("LocalCluster")]
public sealed class CustomResourceTests
{
    private static Kubectl Kubectl => SharedCluster.Kubectl;

    private static string Widget(string name, string ns, string action = "read", string extraSpec = "") => $"""
        apiVersion: fixtures.chunkgate.io/v1alpha1
        kind: Widget
        metadata:
          name: {name}
          namespace: {ns}
          labels: {"{"}app: demo{"}"}
        spec:
          action: {action}
          owner: alice
        {extraSpec}
        """;

    [Test]
    public async Task Get_PrintsTheCrdsAdditionalPrinterColumns()
    {
        var ns = await SharedCluster.NamespaceAsync("columns");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));

        var result = await Kubectl.OkAsync($"get widgets -n {ns}");

        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().MatchRegex(@"^NAME\s+PHASE\s+ACTION\s+SIZE\s+AGE$");
        lines[1].Should().MatchRegex(@"^w1\s+read\s+10\s+\d+s$", "size is defaulted from the schema and Phase is empty");
    }

    [Test]
    public async Task Get_ByShortNameAndCategory_FindsTheResource()
    {
        var ns = await SharedCluster.NamespaceAsync("names");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));

        (await Kubectl.OkAsync($"get wd -n {ns} -o name")).Output.Trim().Should().Be("widget.fixtures.chunkgate.io/w1");
        (await Kubectl.OkAsync($"get chunkgate -n {ns} -o name")).Output.Should().Contain("widget.fixtures.chunkgate.io/w1");
    }

    [Test]
    public async Task Apply_Twice_ReportsUnchangedTheSecondTime()
    {
        var ns = await SharedCluster.NamespaceAsync("apply");
        (await Kubectl.OkAsync("apply -f -", Widget("w1", ns))).Output.Trim().Should().Be("widget.fixtures.chunkgate.io/w1 created");
        var before = (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.metadata.resourceVersion}}")).Output;

        (await Kubectl.OkAsync("apply -f -", Widget("w1", ns))).Output.Trim().Should().Be("widget.fixtures.chunkgate.io/w1 unchanged");

        (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.metadata.resourceVersion}}")).Output.Should().Be(before);
    }

    [Test]
    public async Task ServerSideApply_Twice_KeepsTheResourceVersionAndRecordsTheManager()
    {
        var ns = await SharedCluster.NamespaceAsync("ssa");
        (await Kubectl.OkAsync("apply --server-side -f -", Widget("w1", ns))).Output.Should().Contain("serverside-applied");
        var before = (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.metadata.resourceVersion}}")).Output;

        await Kubectl.OkAsync("apply --server-side -f -", Widget("w1", ns));

        (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.metadata.resourceVersion}}")).Output.Should().Be(before);
        (await Kubectl.OkAsync($"get widget w1 -n {ns} --show-managed-fields -o jsonpath={{.metadata.managedFields[0].manager}}/{{.metadata.managedFields[0].operation}}")).Output
            .Should().Be("kubectl/Apply");
    }

    [Test]
    public async Task ServerSideApply_OfAFieldAnotherManagerOwns_ConflictsUnlessForced()
    {
        var ns = await SharedCluster.NamespaceAsync("ssa-conflict");
        await Kubectl.OkAsync("apply --server-side --field-manager=first -f -", Widget("w1", ns));

        var conflict = await Kubectl.RunAsync("apply --server-side --field-manager=second -f -", Widget("w1", ns, action: "write"));

        conflict.ExitCode.Should().NotBe(0);
        conflict.Error.Should().Contain("Apply failed with 1 conflict: conflict with \"first\": .spec.action");
        await Kubectl.OkAsync("apply --server-side --field-manager=second --force-conflicts -f -", Widget("w1", ns, action: "write"));
        (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.spec.action}}")).Output.Should().Be("write");
    }

    [Test]
    public async Task Create_WithAValueOutsideTheEnum_Is422WithTheSchemaMessage()
    {
        var ns = await SharedCluster.NamespaceAsync("invalid");

        var result = await Kubectl.RunAsync("apply -f -", Widget("bad", ns, action: "delete"));

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be("The Widget \"bad\" is invalid: spec.action: Unsupported value: \"delete\": supported values: \"read\", \"write\"");
    }

    [Test]
    public async Task Create_BreakingSeveralRules_ListsEveryCause()
    {
        var ns = await SharedCluster.NamespaceAsync("invalid-many");

        var result = await Kubectl.RunAsync("create -f -", Widget("bad", ns, extraSpec: "  size: 0\n  owner: Alice9"));

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("The Widget \"bad\" is invalid: \n")
            .And.Contain("* spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1")
            .And.Contain("* spec.owner: Invalid value: \"Alice9\": spec.owner in body should match '^[a-z]+$'");
    }

    [Test]
    public async Task Create_WithAnUndeclaredField_IsRejectedUnderKubectlsStrictValidation()
    {
        var ns = await SharedCluster.NamespaceAsync("strict");

        var result = await Kubectl.RunAsync("create -f -", Widget("extra", ns, extraSpec: "  colour: blue"));

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("Error from server (BadRequest)")
            .And.Contain("Widget in version \"v1alpha1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.colour\"");
    }

    [Test]
    public async Task Create_WithValidationIgnored_PrunesTheUndeclaredField()
    {
        var ns = await SharedCluster.NamespaceAsync("prune");

        await Kubectl.OkAsync("create --validate=false -f -", Widget("extra", ns, extraSpec: "  colour: blue"));

        (await Kubectl.OkAsync($"get widget extra -n {ns} -o json")).Output.Should().NotContain("colour");
    }

    [Test]
    public async Task Label_WithA64CharacterValue_Is422AsOnARealServer()
    {
        var ns = await SharedCluster.NamespaceAsync("labels");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));
        var hash = new string('a', 64);

        // kubectl label checks this client-side; a patch reaches the server as an operator's write would.
        var result = await Kubectl.RunAsync($"patch widget w1 -n {ns} --type=merge -p '{{\"metadata\":{{\"labels\":{{\"spec-hash\":\"{hash}\"}}}}}}'");

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be($"The Widget \"w1\" is invalid: metadata.labels: Invalid value: \"{hash}\": must be no more than 63 characters");
    }

    [Test]
    public async Task Get_OfAMissingObject_PrintsNotFoundAsAgainstARealServer()
    {
        var result = await Kubectl.RunAsync("get widget nothere -n default");

        result.ExitCode.Should().Be(1);
        result.Error.Trim().Should().Be("Error from server (NotFound): widgets.fixtures.chunkgate.io \"nothere\" not found");
    }

    [Test]
    public async Task Generation_ChangesWithTheSpecButNotWithStatusOrMetadata()
    {
        var ns = await SharedCluster.NamespaceAsync("generation");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));

        await Kubectl.OkAsync($"label widget w1 -n {ns} tier=gold");
        await Kubectl.OkAsync($"patch widget w1 -n {ns} --subresource=status --type=merge -p '{{\"status\":{{\"phase\":\"Ready\"}}}}'");
        (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.metadata.generation}}")).Output.Should().Be("1");

        await Kubectl.OkAsync($"patch widget w1 -n {ns} --type=merge -p '{{\"spec\":{{\"size\":20}}}}'");
        (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.metadata.generation}}")).Output.Should().Be("2");
    }

    [Test]
    public async Task StatusSubresource_MainEndpointIgnoresStatus_StatusEndpointIgnoresSpec()
    {
        var ns = await SharedCluster.NamespaceAsync("status");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));

        await Kubectl.OkAsync($"patch widget w1 -n {ns} --type=merge -p '{{\"status\":{{\"phase\":\"Sneaky\"}}}}'");
        await Kubectl.OkAsync($"patch widget w1 -n {ns} --subresource=status --type=merge -p '{{\"spec\":{{\"size\":99}},\"status\":{{\"phase\":\"Ready\"}}}}'");

        (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.status.phase}}/{{.spec.size}}")).Output.Should().Be("Ready/10");
    }

    [Test]
    public async Task Replace_WithAStaleResourceVersion_Is409Conflict()
    {
        var ns = await SharedCluster.NamespaceAsync("conflict");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));
        var stale = (await Kubectl.OkAsync($"get widget w1 -n {ns} -o yaml")).Output;
        await Kubectl.OkAsync($"patch widget w1 -n {ns} --type=merge -p '{{\"spec\":{{\"size\":30}}}}'");

        var result = await Kubectl.RunAsync("replace -f -", stale);

        result.ExitCode.Should().Be(1);
        result.Error.Should().Contain("Error from server (Conflict)")
            .And.Contain("Operation cannot be fulfilled on widgets.fixtures.chunkgate.io \"w1\": the object has been modified; please apply your changes to the latest version and try again");
    }

    [Test]
    public async Task Describe_ShowsSpecAndStatus()
    {
        var ns = await SharedCluster.NamespaceAsync("describe");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));

        var result = await Kubectl.OkAsync($"describe widget w1 -n {ns}");

        result.Output.Should().Contain("Name:         w1").And.Contain("Kind:         Widget").And.Contain("Action:  read");
    }

    [Test]
    public async Task Patch_MergeAndJsonPatch_BothApply()
    {
        var ns = await SharedCluster.NamespaceAsync("patch");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));

        await Kubectl.OkAsync($"patch widget w1 -n {ns} --type=merge -p '{{\"spec\":{{\"tags\":[\"a\",\"b\"]}}}}'");
        await Kubectl.OkAsync($"patch widget w1 -n {ns} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/action\",\"value\":\"write\"}},{{\"op\":\"add\",\"path\":\"/spec/tags/-\",\"value\":\"c\"}}]'");

        (await Kubectl.OkAsync($"get widget w1 -n {ns} -o jsonpath={{.spec.action}}:{{.spec.tags}}")).Output.Should().Be("write:[\"a\",\"b\",\"c\"]");
    }

    [Test]
    public async Task Patch_StrategicMerge_IsUnsupportedForCustomResources()
    {
        var ns = await SharedCluster.NamespaceAsync("smp");
        await Kubectl.OkAsync("apply -f -", Widget("w1", ns));

        var result = await Kubectl.RunAsync($"patch widget w1 -n {ns} --type=strategic -p '{{\"spec\":{{\"size\":5}}}}'");

        result.ExitCode.Should().NotBe(0);
        result.Error.Should().Contain("application/strategic-merge-patch+json is not supported by fixtures.chunkgate.io/v1alpha1, Kind=Widget");
    }

    [Test]
    public async Task List_WithLabelSelectorAndPaging_ReturnsExactlyTheMatches()
    {
        var ns = await SharedCluster.NamespaceAsync("select");
        for (var i = 0; i < 5; i++)
        {
            await Kubectl.OkAsync("apply -f -", Widget($"w{i}", ns));
        }

        await Kubectl.OkAsync($"label widget w1 w3 -n {ns} pick=yes");

        (await Kubectl.OkAsync($"get widgets -n {ns} -l pick=yes -o name")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Should().Equal("widget.fixtures.chunkgate.io/w1", "widget.fixtures.chunkgate.io/w3");
        (await Kubectl.OkAsync($"get widgets -n {ns} -l 'pick notin (yes)' --chunk-size=2 -o name")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Should().HaveCount(3);
        (await Kubectl.OkAsync($"get widgets -n {ns} --field-selector metadata.name=w4 -o name")).Output.Trim().Should().Be("widget.fixtures.chunkgate.io/w4");
    }
}
