using ChunkGate.Sidecar.Tests.Support;
using System.Text;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Testing.Postgres;
using Npgsql;

namespace ChunkGate.Sidecar.Tests.Masking;

[Category("PostgreSQL")]
public sealed class CatalogResolverTests
{
    private const string Schema = """
        CREATE TABLE public.customers (id int PRIMARY KEY, name text, ssn text, card text, email text);
        INSERT INTO public.customers VALUES (1, 'Ann', '123-45-6789', '4111111111111111', 'ann@example.com');
        CREATE SCHEMA "Sales";
        CREATE TABLE "Sales"."Customer Data" (id int, "SSN" text, "Mixed" text);
        CREATE VIEW public.v_customers AS SELECT id, ssn AS tax_ref, upper(ssn) AS ssn_upper, name FROM public.customers;
        CREATE VIEW public.v_nested AS SELECT tax_ref AS deep_ref, id FROM public.v_customers WHERE id > 0;
        CREATE VIEW public.v_nested_star AS SELECT * FROM public.v_nested;
        CREATE VIEW public.v_joined AS SELECT c.id, d."SSN" AS other, c.email FROM public.customers c JOIN "Sales"."Customer Data" d USING (id);
        CREATE MATERIALIZED VIEW public.mv_customers AS SELECT ssn AS frozen_ssn FROM public.customers;
        CREATE VIEW public.v_before_rename AS SELECT card FROM public.customers;
        CREATE VIEW public.v_expressions AS
          SELECT c.id, c.ssn || '' AS glued, length(c.name) AS name_length, row_to_json(c) AS as_json,
                 (SELECT max(x.ssn) FROM public.customers x) AS top_ssn, j.tax_ref AS joined, s.inner_ssn AS from_subquery
          FROM public.customers c
          JOIN public.v_customers j ON j.id = c.id
          JOIN (SELECT id, lower(ssn) AS inner_ssn FROM public.customers) s ON s.id = c.id;
        CREATE VIEW public.v_union AS
          SELECT name AS label, id FROM public.customers
          UNION ALL SELECT ssn, id FROM public.customers
          UNION SELECT 'x', 1;
        ALTER TABLE public.customers RENAME COLUMN card TO card_number;
        CREATE TABLE public.payments (region text, amount int, payer_ssn text) PARTITION BY LIST (region);
        CREATE TABLE public.payments_eu (payer_ssn text, amount int, region text);
        ALTER TABLE public.payments ATTACH PARTITION public.payments_eu FOR VALUES IN ('eu');
        CREATE TABLE public.payments_us PARTITION OF public.payments FOR VALUES IN ('us') PARTITION BY LIST (amount);
        CREATE TABLE public.payments_us_small PARTITION OF public.payments_us FOR VALUES IN (1);
        CREATE TABLE public.people (id int, ssn text);

        CREATE TABLE public.employees (badge int) INHERITS (public.people);
        """;

    private static readonly byte[] Key = Encoding.ASCII.GetBytes("resolver-key-resolver-key");

    private string connectionString = string.Empty;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync("masking_catalog");
        connectionString = server.ConnectionStringFor(database);
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(Schema, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<NpgsqlConnection> OpenAsync(string? connection = null)
    {
        var opened = new NpgsqlConnection(connection ?? connectionString);
        await opened.OpenAsync();
        return opened;
    }

    private static MaskingPolicy Policy(params (string Column, MaskingStrategy Strategy)[] rules) => new(
        rules.Select(rule =>
        {
            QualifiedColumnName.TryParse(rule.Column, out var schema, out var table, out var column, out var error).Should().BeTrue(error);
            return new ColumnRule(schema!, table!, column!, rule.Strategy);
        }).ToList(),
        DetectorKinds.All,
        Key);

    private async Task<CatalogResolution> ResolveAsync(MaskingPolicy policy, string? connection = null)
    {
        await using var opened = await OpenAsync(connection);
        return await CatalogResolver.ResolveAsync(opened, policy, CancellationToken.None);
    }

    /// <summary>The plan PostgreSQL's own RowDescription leads to for <paramref name="query"/>, column name → action.</summary>
    private async Task<Dictionary<string, (ColumnAction Action, MaskingStrategy Strategy)>> PlanAsync(MaskedColumnSet columns, string query)
    {
        await using var connection = await OpenAsync();
        var fields = await CopyColumnDescriber.DescribeAsync(connection, new CopyStatement(query, true, null, CopyFormat.Text, (byte)'\t', false), CancellationToken.None);
        fields.Should().NotBeNull();
        await using var names = new NpgsqlCommand($"SELECT * FROM ({query}) AS q LIMIT 0", connection);
        await using var reader = await names.ExecuteReaderAsync();
        using var masker = new ResultMasker(new MaskingPolicy([], DetectorKinds.All, Key), columns);
        var plan = masker.Plan(fields!);
        return Enumerable.Range(0, plan.ColumnCount).ToDictionary(index => reader.GetName(index), index => (plan[index].Action, plan[index].Strategy));
    }

    [Test]
    public async Task ResolveAsync_FindsTableColumns_SoAliasesAndStarAreCaught()
    {
        var resolution = await ResolveAsync(Policy(("public.customers.ssn", MaskingStrategy.Last4), ("public.customers.email", MaskingStrategy.Hash)));

        resolution.Warnings.Should().BeEmpty();
        resolution.Columns.Count.Should().BeGreaterThanOrEqualTo(2);
        var aliased = await PlanAsync(resolution.Columns, "SELECT ssn AS x, email AS y, name FROM customers");
        aliased["x"].Should().Be((ColumnAction.Mask, MaskingStrategy.Last4));
        aliased["y"].Should().Be((ColumnAction.Mask, MaskingStrategy.Hash));
        aliased["name"].Action.Should().Be(ColumnAction.Scan);
        var star = await PlanAsync(resolution.Columns, "SELECT c1.*, c2.ssn AS other_ssn FROM customers c1 JOIN customers c2 USING (id)");
        star.Where(pair => pair.Value.Action == ColumnAction.Mask).Select(pair => pair.Key).Should().BeEquivalentTo("ssn", "email", "other_ssn");
        (await PlanAsync(resolution.Columns, "SELECT id FROM customers"))["id"].Action.Should().Be(ColumnAction.PassThrough);
    }

    [Test]
    public async Task ResolveAsync_CatchesSubqueriesAndCtes_WhichPostgresReportsAsTheBaseTable()
    {
        var resolution = await ResolveAsync(Policy(("public.customers.ssn", MaskingStrategy.Last4)));

        (await PlanAsync(resolution.Columns, "SELECT s FROM (SELECT ssn AS s FROM customers) AS sub"))["s"].Action.Should().Be(ColumnAction.Mask);
        (await PlanAsync(resolution.Columns, "WITH c AS (SELECT * FROM customers) SELECT c.ssn AS hidden FROM c"))["hidden"].Action.Should().Be(ColumnAction.Mask);
    }

    [Test]
    public async Task ResolveAsync_NullsWholeRowReferences_OfTablesAndViewsWithMaskedColumns()
    {
        var resolution = await ResolveAsync(Policy(("public.customers.ssn", MaskingStrategy.Last4)));

        var plan = await PlanAsync(resolution.Columns, "SELECT c AS whole, array_agg(c) AS rows, c.id FROM customers c GROUP BY c.*, c.id");
        plan["whole"].Should().Be((ColumnAction.Mask, MaskingStrategy.Null));
        plan["rows"].Should().Be((ColumnAction.Mask, MaskingStrategy.Null));
        plan["id"].Action.Should().Be(ColumnAction.PassThrough);
        (await PlanAsync(resolution.Columns, "SELECT v FROM v_nested v"))["v"].Should().Be((ColumnAction.Mask, MaskingStrategy.Null));
        (await PlanAsync(resolution.Columns, "SELECT d FROM \"Sales\".\"Customer Data\" d"))["d"].Action.Should().Be(ColumnAction.Scan, "that table has nothing masked");
    }

    [Test]
    public async Task ResolveAsync_CoversPartitionsAndInheritanceChildren_EvenWithOtherColumnOrder()
    {
        var resolution = await ResolveAsync(Policy(("public.payments.payer_ssn", MaskingStrategy.Redact), ("public.people.ssn", MaskingStrategy.Hash)));

        (await PlanAsync(resolution.Columns, "SELECT * FROM payments"))["payer_ssn"].Action.Should().Be(ColumnAction.Mask);
        var partition = await PlanAsync(resolution.Columns, "SELECT * FROM payments_eu");
        partition["payer_ssn"].Action.Should().Be(ColumnAction.Mask);
        partition["amount"].Action.Should().Be(ColumnAction.PassThrough);
        (await PlanAsync(resolution.Columns, "SELECT * FROM payments_us_small"))["payer_ssn"].Action.Should().Be(ColumnAction.Mask, "sub-partitions too");
        (await PlanAsync(resolution.Columns, "SELECT * FROM employees"))["ssn"].Should().Be((ColumnAction.Mask, MaskingStrategy.Hash));
    }

    [Test]
    public async Task ResolveAsync_FollowsViewsThatPlainlyReferenceAMaskedColumn_AtEveryLevel()
    {
        var resolution = await ResolveAsync(Policy(("public.customers.ssn", MaskingStrategy.Redact)));

        var view = await PlanAsync(resolution.Columns, "SELECT * FROM v_customers");
        view["tax_ref"].Should().Be((ColumnAction.Mask, MaskingStrategy.Redact));
        view["ssn_upper"].Should().Be((ColumnAction.Mask, MaskingStrategy.Redact), "the view computes it from a masked column");
        view["name"].Action.Should().Be(ColumnAction.Scan);
        view["id"].Action.Should().Be(ColumnAction.PassThrough);
        (await PlanAsync(resolution.Columns, "SELECT deep_ref AS alias FROM v_nested"))["alias"].Action.Should().Be(ColumnAction.Mask);
        (await PlanAsync(resolution.Columns, "SELECT * FROM v_nested_star"))["deep_ref"].Action.Should().Be(ColumnAction.Mask);
        (await PlanAsync(resolution.Columns, "SELECT * FROM mv_customers"))["frozen_ssn"].Action.Should().Be(ColumnAction.Mask);
        resolution.Columns.ColumnNames.Should().Contain(["ssn", "tax_ref", "deep_ref", "frozen_ssn"]);
    }

    [Test]
    public async Task ResolveAsync_MasksViewColumnsComputedFromMaskedColumns_ThroughJoinsSubqueriesAndWholeRows()
    {
        var resolution = await ResolveAsync(Policy(("public.customers.ssn", MaskingStrategy.Last4), ("public.customers.email", MaskingStrategy.Null)));

        var plan = await PlanAsync(resolution.Columns, "SELECT * FROM v_expressions");
        plan["id"].Action.Should().Be(ColumnAction.PassThrough);
        plan["glued"].Should().Be((ColumnAction.Mask, MaskingStrategy.Last4));
        plan["name_length"].Action.Should().Be(ColumnAction.PassThrough, "name is not masked");
        plan["as_json"].Should().Be((ColumnAction.Mask, MaskingStrategy.Null), "a whole row carries the strongest strategy of its columns");
        plan["top_ssn"].Should().Be((ColumnAction.Mask, MaskingStrategy.Last4));
        plan["joined"].Should().Be((ColumnAction.Mask, MaskingStrategy.Last4));
        plan["from_subquery"].Should().Be((ColumnAction.Mask, MaskingStrategy.Last4));
        var union = await PlanAsync(resolution.Columns, "SELECT * FROM v_union");
        union["label"].Should().Be((ColumnAction.Mask, MaskingStrategy.Last4), "the second branch of the UNION feeds ssn into it");
        union["id"].Action.Should().Be(ColumnAction.PassThrough);
    }

    [Test]
    public async Task Plan_NullsAndFlagsColumnsAddedAfterResolution_UntilResolvedAgain()
    {
        await using (var setup = await OpenAsync())
        await using (var create = new NpgsqlCommand("CREATE TABLE public.churn (id int, secret text)", setup))
        {
            await create.ExecuteNonQueryAsync();
        }

        var policy = Policy(("public.churn.secret", MaskingStrategy.Last4));
        var before = await ResolveAsync(policy);
        (await PlanAsync(before.Columns, "SELECT secret FROM churn"))["secret"].Should().Be((ColumnAction.Mask, MaskingStrategy.Last4));

        await using (var alter = await OpenAsync())
        await using (var recreate = new NpgsqlCommand("ALTER TABLE public.churn DROP COLUMN secret; ALTER TABLE public.churn ADD COLUMN secret text", alter))
        {
            await recreate.ExecuteNonQueryAsync();
        }

        await using (var connection = await OpenAsync())
        {
            CopyStatements.TryParse("COPY (SELECT id, secret FROM churn) TO STDOUT", out var copy).Should().BeTrue();
            var fields = await CopyColumnDescriber.DescribeAsync(connection, copy!, CancellationToken.None);
            using var masker = new ResultMasker(policy, before.Columns);
            var stalePlan = masker.Plan(fields!);
            stalePlan.HasStaleColumns.Should().BeTrue();
            stalePlan[1].Should().Be(new PlannedColumn(ColumnAction.Mask, MaskingStrategy.Null, PgTypeOid.Text, -1, false), "the recreated column has a new number the snapshot never saw");
            stalePlan[0].Action.Should().Be(ColumnAction.PassThrough);
        }

        var after = await ResolveAsync(policy);
        (await PlanAsync(after.Columns, "SELECT secret FROM churn"))["secret"].Should().Be((ColumnAction.Mask, MaskingStrategy.Last4));
    }

    [Test]
    public async Task ResolveAsync_TreatsExtensionStringTypesAsText_SoCitextIsHashedNotNulled()
    {
        await using var connection = await OpenAsync();
        try
        {
            await using var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS citext; CREATE TABLE IF NOT EXISTS public.accounts (id int, login citext)", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch (PostgresException exception) when (exception.SqlState is "0A000" or "58P01")
        {
            Assert.Ignore("the citext extension is not installed on this PostgreSQL server");
        }

        var resolution = await ResolveAsync(Policy(("public.accounts.login", MaskingStrategy.Hash)));
        CopyStatements.TryParse("COPY accounts (login) TO STDOUT", out var copy).Should().BeTrue();
        var fields = await CopyColumnDescriber.DescribeAsync(connection, copy!, CancellationToken.None);
        using var masker = new ResultMasker(new MaskingPolicy([], DetectorKinds.None, Key), resolution.Columns);

        var plan = masker.Plan(fields!);

        fields![0].TypeOid.Should().BeGreaterThanOrEqualTo(16384u, "citext is an extension type");
        plan[0].Should().Be(new PlannedColumn(ColumnAction.Mask, MaskingStrategy.Hash, PgTypeOid.Text, -1, false));
    }

    [Test]
    public async Task ResolveAsync_UsesAttributeNumbers_SoRenamedColumnsStayMasked()
    {
        var resolution = await ResolveAsync(Policy(("public.customers.card_number", MaskingStrategy.Null)));

        resolution.Warnings.Should().BeEmpty();
        (await PlanAsync(resolution.Columns, "SELECT card_number FROM customers"))["card_number"].Action.Should().Be(ColumnAction.Mask);
        (await PlanAsync(resolution.Columns, "SELECT * FROM v_before_rename"))["card"].Action.Should().Be(ColumnAction.Mask, "the view kept its old column name");
    }

    [Test]
    public async Task ResolveAsync_MatchesQuotedMixedCaseIdentifiers_Exactly()
    {
        var resolution = await ResolveAsync(Policy(("\"Sales\".\"Customer Data\".\"SSN\"", MaskingStrategy.Last4)));

        resolution.Warnings.Should().BeEmpty();
        var plan = await PlanAsync(resolution.Columns, "SELECT * FROM \"Sales\".\"Customer Data\"");
        plan["SSN"].Action.Should().Be(ColumnAction.Mask);
        plan["Mixed"].Action.Should().Be(ColumnAction.Scan);
        (await PlanAsync(resolution.Columns, "SELECT * FROM v_joined"))["other"].Action.Should().Be(ColumnAction.Mask);

        var folded = await ResolveAsync(Policy(("Sales.\"Customer Data\".SSN", MaskingStrategy.Last4)));
        folded.Columns.Count.Should().Be(0, "unquoted Sales and SSN fold to lower case, which do not exist");
        folded.Warnings.Should().ContainSingle().Which.Should().Contain("sales.Customer Data");
    }

    [Test]
    public async Task ResolveAsync_WarnsAboutRulesThatMatchNothing_AndKeepsTheRest()
    {
        var resolution = await ResolveAsync(Policy(
            ("public.no_such_table.ssn", MaskingStrategy.Redact),
            ("public.customers.no_such_column", MaskingStrategy.Redact),
            ("nowhere.customers.ssn", MaskingStrategy.Redact),
            ("public.customers.ssn", MaskingStrategy.Redact)));

        resolution.Warnings.Should().HaveCount(3);
        resolution.Warnings.Should().Contain(warning => warning.Contains("public.no_such_table does not exist", StringComparison.Ordinal));
        resolution.Warnings.Should().Contain(warning => warning.Contains("has no column no_such_column", StringComparison.Ordinal));
        resolution.Warnings.Should().Contain(warning => warning.Contains("nowhere.customers does not exist", StringComparison.Ordinal));
        (await PlanAsync(resolution.Columns, "SELECT ssn FROM customers"))["ssn"].Action.Should().Be(ColumnAction.Mask);
    }

    [Test]
    public async Task ResolveAsync_WorksForAnUnprivilegedRole_ThatCanReadRawValues()
    {
        var server = await PostgresServer.SharedAsync();
        var role = $"mask_reader_{Guid.NewGuid():N}"[..30];
        var password = Guid.NewGuid().ToString("N");
        await using (var admin = await OpenAsync())
        {
            await using var create = new NpgsqlCommand(
                $"CREATE ROLE {role} LOGIN PASSWORD '{password}'; GRANT USAGE ON SCHEMA \"Sales\" TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};", admin);
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = password };
            var resolution = await ResolveAsync(Policy(("public.customers.ssn", MaskingStrategy.Last4)), builder.ConnectionString);

            resolution.Warnings.Should().BeEmpty();
            (await PlanAsync(resolution.Columns, "SELECT * FROM v_nested"))["deep_ref"].Action.Should().Be(ColumnAction.Mask);
            await using var asRole = await OpenAsync(builder.ConnectionString);
            await using var raw = new NpgsqlCommand("SELECT ssn FROM customers", asRole);
            (await raw.ExecuteScalarAsync()).Should().Be("123-45-6789", "the role reads raw values, so any masking seen downstream is the sidecar's");
        }
        finally
        {
            await using var admin = await OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP OWNED BY {role}; DROP ROLE {role};", admin);
            await drop.ExecuteNonQueryAsync();
            _ = server;
        }
    }

    [Test]
    public async Task ResolveAsync_ReturnsEmptySet_WithoutQuerying_WhenThereAreNoRules()
    {
        var resolution = await ResolveAsync(new MaskingPolicy([], DetectorKinds.All, Key));

        resolution.Columns.Should().BeSameAs(MaskedColumnSet.Empty);
        resolution.Warnings.Should().BeEmpty();
    }

    [Test]
    public async Task DescribeAsync_DescribesCopySources_AndRefusesBatches()
    {
        var resolution = await ResolveAsync(Policy(("public.customers.ssn", MaskingStrategy.Last4)));
        await using var connection = await OpenAsync();

        CopyStatements.TryParse("COPY customers (id, ssn) TO STDOUT", out var table).Should().BeTrue();
        var fields = await CopyColumnDescriber.DescribeAsync(connection, table!, CancellationToken.None);
        using var masker = new ResultMasker(new MaskingPolicy([], DetectorKinds.None, Key), resolution.Columns);
        var plan = masker.Plan(fields!);
        plan.Columns.ToArray().Select(column => column.Action).Should().Equal(ColumnAction.PassThrough, ColumnAction.Mask);

        CopyStatements.TryParse("COPY (SELECT 1; DROP TABLE customers) TO STDOUT", out _).Should().BeFalse("PostgreSQL's parser rejects a batch inside COPY");
        var batch = new CopyStatement("SELECT 1; DROP TABLE customers", true, null, CopyFormat.Text, (byte)'\t', false);
        (await CopyColumnDescriber.DescribeAsync(connection, batch, CancellationToken.None)).Should().BeNull();
        CopyStatements.TryParse("COPY no_such_table TO STDOUT", out var missing).Should().BeTrue();
        (await CopyColumnDescriber.DescribeAsync(connection, missing!, CancellationToken.None)).Should().BeNull();
    }
}
