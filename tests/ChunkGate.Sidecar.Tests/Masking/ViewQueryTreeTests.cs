using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class ViewQueryTreeTests
{
    // Abridged pg_rewrite.ev_action of: CREATE VIEW v AS SELECT id, ssn AS s, upper(ssn) u FROM t WHERE ssn LIKE '1%'
    // (PostgreSQL 15), with a subquery range entry whose own target list must be ignored.
    private const string Tree = """
        ({QUERY :commandType 1 :querySource 0 :canSetTag true :utilityStmt <> :resultRelation 0 :cteList <> :rtable ({RANGETBLENTRY :alias <> :eref {ALIAS :aliasname t :colnames ("id" "ssn" "Mixed")} :rtekind 1 :subquery {QUERY :commandType 1 :targetList ({TARGETENTRY :expr {VAR :varno 1 :varattno 2} :resno 1 :resname x :ressortgroupref 0 :resorigtbl 555 :resorigcol 9 :resjunk false}) :override 0} :relid 16384}) :jointree {FROMEXPR :fromlist ({RANGETBLREF :rtindex 3}) :quals {OPEXPR :opno 1209 :args ({VAR :varno 3 :varattno 2} {CONST :consttype 25 :constvalue 6 [ 24 0 0 0 49 37 ]}) :location 116}} :targetList ({TARGETENTRY :expr {VAR :varno 3 :varattno 1 :vartype 23 :location 72} :resno 1 :resname id :ressortgroupref 0 :resorigtbl 16384 :resorigcol 1 :resjunk false} {TARGETENTRY :expr {VAR :varno 3 :varattno 2 :vartype 25 :location 76} :resno 2 :resname s\ \{odd\} :ressortgroupref 0 :resorigtbl 16384 :resorigcol 2 :resjunk false} {TARGETENTRY :expr {FUNCEXPR :funcid 871 :args ({VAR :varno 3 :varattno 2}) :location 86} :resno 3 :resname u :ressortgroupref 0 :resorigtbl 0 :resorigcol 0 :resjunk false}) :override 0 :onConflict <> :returningList <> :setOperations <> :stmt_len 0})
        """;

    [Test]
    public void OutputColumnOrigins_ReadsPlainColumnReferencesOfTheTopLevelQuery()
    {
        ViewQueryTree.OutputColumnOrigins(Tree).Should().Equal(
            new ViewQueryTree.ColumnOrigin(1, 16384, 1),
            new ViewQueryTree.ColumnOrigin(2, 16384, 2));
    }

    [Test]
    public void NodeTree_ReadsNodesListsTokensDatumsAndEscapes()
    {
        var parsed = NodeTree.TryParse("({CONST :consttype 25 :constvalue 6 [ 24 0 0 0 49 37 ] :name a\\ b\\} :cols (\"x\" \"y\") :none <>} (b 8 9))");

        var list = parsed.Should().BeOfType<List<object?>>().Subject;
        var node = list[0].Should().BeOfType<NodeTree.Node>().Subject;
        node.Name.Should().Be("CONST");
        node.Fields["consttype"].Should().Be("25");
        node.Fields["constvalue"].Should().BeEquivalentTo(new object?[] { "6", null });
        node.Fields["name"].Should().Be("a b}");
        node.Fields["cols"].Should().BeEquivalentTo(new object?[] { "x", "y" });
        node.Fields["none"].Should().BeNull();
        list[1].Should().BeEquivalentTo(new object?[] { "b", "8", "9" });
    }

    [TestCase("")]
    [TestCase("<>")]
    [TestCase("({QUERY :targetList")]
    [TestCase("({QUERY :targetList ({TARGETENTRY :resno x :resorigtbl -1 :resorigcol 99999999")]
    public void OutputColumnOrigins_ToleratesTruncatedOrOddTrees(string tree)
    {
        ViewQueryTree.OutputColumnOrigins(tree).Should().BeEmpty();
    }
}
