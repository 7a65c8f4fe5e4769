using System.Text.Json.Nodes;

namespace ChunkGate.CrdGen.Tests;

/// <summary>Reads the committed CRD YAML back and checks it field by field.</summary>
public sealed class GeneratedCrdTests
{
    [TestCase("dataconnections", "DataConnection", "dataconnection", new[] { "dconn" })]
    [TestCase("chunkjobs", "ChunkJob", "chunkjob", new[] { "cjob" })]
    [TestCase("chunkapprovals", "ChunkApproval", "chunkapproval", new[] { "ca", "cappr" })]
    public void Crd_HasGroupVersionScopeAndNames(string plural, string kind, string singular, string[] shortNames)
    {
        var crd = RepositoryFiles.Crd(plural);
        crd["apiVersion"]!.GetValue<string>().Should().Be("apiextensions.k8s.io/v1");
        crd["kind"]!.GetValue<string>().Should().Be("CustomResourceDefinition");
        crd["metadata"]!["name"]!.GetValue<string>().Should().Be($"{plural}.chunkgate.io");
        var spec = crd["spec"]!;
        spec["group"]!.GetValue<string>().Should().Be("chunkgate.io");
        spec["scope"]!.GetValue<string>().Should().Be("Namespaced");
        spec["names"]!["kind"]!.GetValue<string>().Should().Be(kind);
        spec["names"]!["listKind"]!.GetValue<string>().Should().Be(kind + "List");
        spec["names"]!["plural"]!.GetValue<string>().Should().Be(plural);
        spec["names"]!["singular"]!.GetValue<string>().Should().Be(singular);
        Strings(spec["names"]!["shortNames"]).Should().Equal(shortNames);
        Strings(spec["names"]!["categories"]).Should().Equal("chunkgate");

        var versions = spec["versions"]!.AsArray();
        versions.Should().ContainSingle();
        versions[0]!["name"]!.GetValue<string>().Should().Be("v1alpha1");
        versions[0]!["served"]!.GetValue<bool>().Should().BeTrue();
        versions[0]!["storage"]!.GetValue<bool>().Should().BeTrue();
        versions[0]!["subresources"]!["status"].Should().BeOfType<JsonObject>().Which.Should().BeEmpty();
    }

    [Test]
    public void ShortNames_DoNotCollideWithBuiltInKinds()
    {
        // kubectl resolves a short name to one resource; these belong to built-in kinds.
        string[] builtIn = ["cj", "cm", "cs", "csr", "ds", "deploy", "ep", "ev", "hpa", "ing", "limits", "netpol", "no", "ns", "pc", "pdb", "po", "psp", "pv", "pvc", "quota", "rc", "rs", "sa", "sc", "sts", "svc"];
        foreach (var plural in new[] { "dataconnections", "chunkjobs", "chunkapprovals" })
        {
            Strings(RepositoryFiles.Crd(plural)["spec"]!["names"]!["shortNames"]).Should().NotIntersectWith(builtIn);
        }
    }

    [Test]
    public void ChunkJob_PrinterColumns_ShowPhaseActionConnectionApproversExpiresProgressAge()
    {
        var columns = PrinterColumns("chunkjobs");
        columns.Should().Equal(
            ("Phase", "string", ".status.phase", 0),
            ("Action", "string", ".spec.action", 0),
            ("Connection", "string", ".spec.connectionRef.name", 0),
            ("Approvers", "string", ".status.approvers", 0),
            ("Expires", "string", ".status.approval.expiresAt", 0),
            ("Progress", "string", ".status.progress.summary", 0),
            ("Age", "date", ".metadata.creationTimestamp", 0),
            ("Designer", "string", ".status.designer", 1));
    }

    [Test]
    public void ChunkApproval_PrinterColumns()
    {
        PrinterColumns("chunkapprovals").Should().Equal(
            ("Job", "string", ".spec.jobRef.name", 0),
            ("Approver", "string", ".spec.approver", 0),
            ("Phase", "string", ".status.phase", 0),
            ("Expires", "string", ".spec.expiresAt", 0),
            ("Age", "date", ".metadata.creationTimestamp", 0),
            ("Reason", "string", ".spec.reason", 1));
    }

    [Test]
    public void DataConnection_PrinterColumns()
    {
        PrinterColumns("dataconnections").Should().Equal(
            ("Engine", "string", ".spec.engine", 0),
            ("Host", "string", ".spec.endpoint.host", 0),
            ("Max TTL", "string", ".spec.maxTTL", 0),
            ("Reachable", "boolean", ".status.reachable", 0),
            ("Active", "integer", ".status.activeCredentials", 0),
            ("Age", "date", ".metadata.creationTimestamp", 0));
    }

    [Test]
    public void EveryPrinterColumnPath_ExistsInTheSchema()
    {
        foreach (var plural in new[] { "dataconnections", "chunkjobs", "chunkapprovals" })
        {
            var schema = RepositoryFiles.OpenApiSchema(plural);
            foreach (var (name, _, path, _) in PrinterColumns(plural).Where(c => !c.Path.StartsWith(".metadata.", StringComparison.Ordinal)))
            {
                JsonNode? node = schema;
                foreach (var segment in path.TrimStart('.').Split('.'))
                {
                    node = node?["properties"]?[segment];
                    node.Should().NotBeNull($"column {name} of {plural} reads {path}");
                }
            }
        }
    }

    [Test]
    public void RootSchema_RequiresSpec_AndDescribesItself()
    {
        foreach (var plural in new[] { "dataconnections", "chunkjobs", "chunkapprovals" })
        {
            var root = RepositoryFiles.OpenApiSchema(plural);
            root["type"]!.GetValue<string>().Should().Be("object");
            Strings(root["required"]).Should().Equal("spec");
            root["description"]!.GetValue<string>().Should().NotBeNullOrWhiteSpace();
            root["properties"]!.AsObject().Select(p => p.Key).Should().Equal("apiVersion", "kind", "metadata", "spec", "status");
        }
    }

    [Test]
    public void ChunkJobSpec_EveryField()
    {
        var spec = RepositoryFiles.SpecSchema("chunkjobs");
        Keys(spec["properties"]).Should().Equal("connectionRef", "action", "tables", "chunking", "query", "output", "runner", "parallelism");
        Strings(spec["required"]).Should().Equal("connectionRef", "action", "tables", "chunking", "query");

        var connectionRef = spec["properties"]!["connectionRef"]!;
        connectionRef["type"]!.GetValue<string>().Should().Be("object");
        Strings(connectionRef["required"]).Should().Equal("name");
        Int(connectionRef["properties"]!["name"]!["maxLength"]).Should().Be(253);

        var action = spec["properties"]!["action"]!;
        action["type"]!.GetValue<string>().Should().Be("string");
        Strings(action["enum"]).Should().Equal("read", "write", "export", "transform");

        var tables = spec["properties"]!["tables"]!;
        tables["type"]!.GetValue<string>().Should().Be("array");
        tables["items"]!["type"]!.GetValue<string>().Should().Be("string");
        tables["items"]!["pattern"]!.GetValue<string>().Should().Be(Api.Validation.Identifiers.QualifiedTablePattern);
        Int(tables["minItems"]).Should().Be(1);
        Int(tables["maxItems"]).Should().Be(64);
        tables["x-kubernetes-list-type"]!.GetValue<string>().Should().Be("set");

        var chunking = spec["properties"]!["chunking"]!;
        Keys(chunking["properties"]).Should().Equal("table", "keyColumn", "chunkSize");
        Strings(chunking["required"]).Should().Equal("table", "keyColumn", "chunkSize");
        chunking["properties"]!["table"]!["pattern"]!.GetValue<string>().Should().Be(Api.Validation.Identifiers.QualifiedTablePattern);
        chunking["properties"]!["keyColumn"]!["pattern"]!.GetValue<string>().Should().Be(Api.Validation.Identifiers.IdentifierPattern);
        var chunkSize = chunking["properties"]!["chunkSize"]!;
        chunkSize["type"]!.GetValue<string>().Should().Be("integer");
        Int(chunkSize["minimum"]).Should().Be(1);
        Int(chunkSize["maximum"]).Should().Be(1_000_000);

        var query = spec["properties"]!["query"]!;
        query["type"]!.GetValue<string>().Should().Be("string");
        Int(query["minLength"]).Should().Be(1);
        Int(query["maxLength"]).Should().Be(65536);
        query["description"]!.GetValue<string>().Should().Contain("$1").And.Contain("$2");

        var output = spec["properties"]!["output"]!["properties"]!["format"]!;
        Strings(output["enum"]).Should().Equal("csv", "jsonl");
        output["default"]!.GetValue<string>().Should().Be("csv");

        var runner = spec["properties"]!["runner"]!;
        Keys(runner["properties"]).Should().Equal("image", "cpu", "memory");
        runner["properties"]!["memory"]!["pattern"].Should().NotBeNull();

        AllFieldsDescribed(spec, "chunkjobs.spec");
    }

    [Test]
    public void ChunkApprovalSpec_EveryField()
    {
        var spec = RepositoryFiles.SpecSchema("chunkapprovals");
        Keys(spec["properties"]).Should().Equal("jobRef", "ttl", "reason", "jobSpecHash", "approver", "approverGroups", "expiresAt", "jobUid");
        Strings(spec["required"]).Should().Equal("jobRef", "ttl", "reason");
        spec["properties"]!["ttl"]!["pattern"]!.GetValue<string>().Should().Be(Api.Durations.KubeDuration.Pattern);
        Int(spec["properties"]!["reason"]!["minLength"]).Should().Be(1);
        Int(spec["properties"]!["reason"]!["maxLength"]).Should().Be(1024);
        spec["properties"]!["jobSpecHash"]!["pattern"]!.GetValue<string>().Should().Be("^sha256:[0-9a-f]{64}$");
        spec["properties"]!["approver"]!["type"]!.GetValue<string>().Should().Be("string");
        spec["properties"]!["approverGroups"]!["items"]!["type"]!.GetValue<string>().Should().Be("string");
        spec["properties"]!["expiresAt"]!["format"]!.GetValue<string>().Should().Be("date-time");
        AllFieldsDescribed(spec, "chunkapprovals.spec");
    }

    [Test]
    public void DataConnectionSpec_EveryField()
    {
        var spec = RepositoryFiles.SpecSchema("dataconnections");
        Keys(spec["properties"]).Should().Equal(
            "engine", "endpoint", "adminSecretRef", "maxTTL", "allowedActions", "designerGroups", "executorGroups", "requiredApprovals", "masking");
        Strings(spec["required"]).Should().Equal("engine", "endpoint", "adminSecretRef", "allowedActions", "designerGroups", "executorGroups");

        var engine = spec["properties"]!["engine"]!;
        Strings(engine["enum"]).Should().Equal("postgresql");
        engine["default"]!.GetValue<string>().Should().Be("postgresql");

        var endpoint = spec["properties"]!["endpoint"]!;
        Keys(endpoint["properties"]).Should().Equal("host", "port", "database", "sslMode", "caSecretRef");
        Strings(endpoint["required"]).Should().Equal("host", "database");
        Int(endpoint["properties"]!["port"]!["minimum"]).Should().Be(1);
        Int(endpoint["properties"]!["port"]!["maximum"]).Should().Be(65535);
        Int(endpoint["properties"]!["port"]!["default"]).Should().Be(5432);
        Strings(endpoint["properties"]!["sslMode"]!["enum"]).Should().Equal("disable", "require", "verify-full");
        endpoint["properties"]!["sslMode"]!["default"]!.GetValue<string>().Should().Be("verify-full");

        var admin = spec["properties"]!["adminSecretRef"]!;
        Keys(admin["properties"]).Should().Equal("name", "usernameKey", "passwordKey");
        admin["properties"]!["usernameKey"]!["default"]!.GetValue<string>().Should().Be("username");

        var maxTtl = spec["properties"]!["maxTTL"]!;
        maxTtl["default"]!.GetValue<string>().Should().Be("15m");
        maxTtl["pattern"]!.GetValue<string>().Should().Be(Api.Durations.KubeDuration.Pattern);

        Strings(spec["properties"]!["allowedActions"]!["items"]!["enum"]).Should().Equal("read", "write", "export", "transform");
        Int(spec["properties"]!["allowedActions"]!["minItems"]).Should().Be(1);
        Int(spec["properties"]!["designerGroups"]!["minItems"]).Should().Be(1);
        Int(spec["properties"]!["executorGroups"]!["minItems"]).Should().Be(1);

        var approvals = spec["properties"]!["requiredApprovals"]!;
        Int(approvals["minimum"]).Should().Be(1);
        Int(approvals["maximum"]).Should().Be(5);
        Int(approvals["default"]).Should().Be(1);

        var masking = spec["properties"]!["masking"]!["properties"]!;
        var column = masking["columns"]!["items"]!;
        Strings(column["required"]).Should().Equal("column", "strategy");
        column["properties"]!["column"]!["pattern"]!.GetValue<string>().Should().Be(Api.Validation.Identifiers.QualifiedColumnPattern);
        Strings(column["properties"]!["strategy"]!["enum"]).Should().Equal("redact", "last4", "hash", "null");
        Strings(masking["detectors"]!["items"]!["enum"]).Should().Equal("ssn", "card", "email");
        AllFieldsDescribed(spec, "dataconnections.spec");
    }

    [Test]
    public void Status_Conditions_AreAListMapKeyedByType()
    {
        foreach (var plural in new[] { "dataconnections", "chunkjobs", "chunkapprovals" })
        {
            var conditions = RepositoryFiles.OpenApiSchema(plural)["properties"]!["status"]!["properties"]!["conditions"]!;
            conditions["x-kubernetes-list-type"]!.GetValue<string>().Should().Be("map");
            Strings(conditions["x-kubernetes-list-map-keys"]).Should().Equal("type");
            var item = conditions["items"]!;
            Keys(item["properties"]).Should().Equal("type", "status", "reason", "message", "lastTransitionTime", "observedGeneration");
            Strings(item["required"]).Should().Equal("type", "status", "reason", "lastTransitionTime");
            Strings(item["properties"]!["status"]!["enum"]).Should().Equal("True", "False", "Unknown");
        }
    }

    [Test]
    public void ChunkJobStatus_HasWhatTheDesignPromises()
    {
        var status = RepositoryFiles.OpenApiSchema("chunkjobs")["properties"]!["status"]!;
        Keys(status["properties"]).Should().Equal(
            "observedGeneration", "phase", "designer", "specHash", "approvers", "approval", "run", "progress", "checkpoint", "runsStarted", "conditions", "recordings");
        // The run record the controller resumes from after a restart: id, the spec it was approved for, its approvals, expiry and trace.
        Keys(status["properties"]!["run"]!["properties"]).Should().Equal(
            "id", "specHash", "approvals", "expiresAt", "traceParent", "pod", "pods", "secret", "role", "created", "startedAt", "finishedAt", "outcome", "message");
        Keys(status["properties"]!["progress"]!["properties"]).Should().Equal("chunksDone", "chunksTotal", "rows", "summary");
        Strings(status["properties"]!["phase"]!["enum"]).Should().Equal("AwaitingApproval", "Running", "Succeeded", "Failed", "Expired", "Invalid");
    }

    private static void AllFieldsDescribed(JsonNode schema, string path)
    {
        foreach (var (name, child) in schema["properties"]?.AsObject() ?? [])
        {
            child!["description"].Should().NotBeNull($"{path}.{name} needs a description for `kubectl explain`");
            AllFieldsDescribed(child, $"{path}.{name}");
        }
    }

    private static List<(string Name, string Type, string Path, int Priority)> PrinterColumns(string plural) =>
        RepositoryFiles.Crd(plural)["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray()
            .Select(c => (c!["name"]!.GetValue<string>(), c["type"]!.GetValue<string>(), c["jsonPath"]!.GetValue<string>(), c["priority"] is null ? 0 : Int(c["priority"])))
            .ToList();

    private static List<string> Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    private static List<string> Keys(JsonNode? node) => node!.AsObject().Select(p => p.Key).ToList();

    private static int Int(JsonNode? node) => (int)System.Text.Json.JsonSerializer.SerializeToElement(node).GetInt64();
}
