using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class ErrorMaskingTests
{
    private static ResultMasker Masker(bool withRules = true) => new(
        new MaskingPolicy([], DetectorKinds.All, Encoding.ASCII.GetBytes("error-key-error-key-error")),
        withRules ? new MaskedColumnSet([new((1u, (short)2), MaskingStrategy.Redact)], ["ssn", "tax_id"]) : MaskedColumnSet.Empty);

    private static byte[] Body(params (char Type, string Text)[] fields)
    {
        var bytes = new List<byte>();
        foreach (var (type, text) in fields)
        {
            bytes.Add((byte)type);
            bytes.AddRange(Encoding.UTF8.GetBytes(text));
            bytes.Add(0);
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static (Dictionary<char, string> Fields, int Masked) Mask(byte code, byte[] body, bool withRules = true, string clientText = "")
    {
        using var masker = Masker(withRules);
        var output = new ArrayBufferWriter<byte>();
        var masked = masker.MaskErrorOrNotice(code, new ReadOnlySequence<byte>(body), output, Encoding.UTF8.GetBytes(clientText));
        masked.Should().BeGreaterThanOrEqualTo(0);
        var message = output.WrittenSpan;
        message[0].Should().Be(code);
        BinaryPrimitives.ReadInt32BigEndian(message[1..]).Should().Be(message.Length - 1);
        var fields = new Dictionary<char, string>();
        var rest = message[5..];
        while (rest[0] != 0)
        {
            var end = rest.IndexOf((byte)0);
            fields[(char)rest[0]] = Encoding.UTF8.GetString(rest[1..end]);
            rest = rest[(end + 1)..];
        }

        rest.Length.Should().Be(1, "the field list ends with one zero byte and nothing after");
        return (fields, masked);
    }

    [Test]
    public void MaskErrorOrNotice_RedactsUniqueViolationKeyOfMaskedColumn()
    {
        var body = Body(('S', "ERROR"), ('V', "ERROR"), ('C', "23505"),
            ('M', "duplicate key value violates unique constraint \"customers_ssn_key\""),
            ('D', "Key (ssn)=(12345) already exists."), ('s', "public"), ('t', "customers"), ('n', "customers_ssn_key"));

        var (fields, masked) = Mask((byte)'E', body);

        fields['D'].Should().Be("Key (ssn)=(REDACTED) already exists.");
        fields['C'].Should().Be("23505");
        fields['n'].Should().Be("customers_ssn_key");
        fields['M'].Should().Be("duplicate key value violates unique constraint \"REDACTED\"", "the client did not write that name itself");
        masked.Should().Be(2);
    }

    [Test]
    public void MaskErrorOrNotice_RedactsCompositeAndExpressionKeys()
    {
        Mask((byte)'E', Body(('C', "23505"), ('D', "Key (region, lower(tax_id))=(eu, ab-99) already exists."))).Fields['D']
            .Should().Be("Key (region, lower(tax_id))=(REDACTED) already exists.");
    }

    [Test]
    public void MaskErrorOrNotice_RedactsKeysOfEveryColumn_WhenAnyColumnIsMasked()
    {
        // A unique index on a temporary copy of a masked column names no masked column.
        var body = Body(('C', "23503"), ('D', "Key (customer_id)=(42) is not present in table \"customers\"."));

        Mask((byte)'E', body, clientText: "INSERT INTO orders SELECT 42, 'x' FROM customers").Fields['D']
            .Should().Be("Key (customer_id)=(REDACTED) is not present in table \"customers\".");
        Mask((byte)'E', body, withRules: false).Fields['D'].Should().Be("Key (customer_id)=(42) is not present in table \"customers\".");
    }

    [Test]
    public void MaskErrorOrNotice_RedactsFailingRowTuple_WhenAnyColumnIsMasked()
    {
        var body = Body(('C', "23502"), ('M', "null value in column \"name\" of relation \"customers\" violates not-null constraint"),
            ('D', "Failing row contains (7, null, 98765, x)."));

        Mask((byte)'E', body).Fields['D'].Should().Be("Failing row contains (REDACTED).");
        Mask((byte)'E', body, withRules: false).Fields['D'].Should().Be("Failing row contains (7, null, 98765, x).");
    }

    [Test]
    public void MaskErrorOrNotice_RunsDetectorsOverEveryTextField()
    {
        var body = Body(('S', "NOTICE"), ('C', "00000"), ('M', "processing 123-45-6789"), ('D', "card 4111 1111 1111 1111"),
            ('H', "mail alice@example.com"), ('W', "PL/pgSQL function f() line 3 at RAISE: 987-65-4321"), ('q', "select '555-12-3456'"));

        var (fields, masked) = Mask((byte)'N', body, withRules: false);

        fields['M'].Should().Be("processing ***-**-****");
        fields['D'].Should().Be("card **** **** **** ****");
        fields['H'].Should().Be("mail *****@*******.***");
        fields['W'].Should().EndWith("RAISE: ***-**-****");
        fields['q'].Should().Be("select '***-**-****'");
        masked.Should().Be(5);
    }

    [TestCase("22P02", "invalid input syntax for type integer: \"Xylophobia\"", "", "ERROR 22P02 (message withheld by ChunkGate: it may carry masked data)", TestName = "Strict_DataException_IsWithheld")]
    [TestCase("22023", "setseed parameter 1980 is out of allowed range", "SELECT setseed(extract(year from birth)) FROM t", "ERROR 22023 (message withheld by ChunkGate: it may carry masked data)", TestName = "Strict_DataExceptionWithoutAColon_IsWithheld")]
    [TestCase("54000", "requested character too large for encoding: 123456789", "SELECT chr(x::int) FROM t", "ERROR 54000 (message withheld by ChunkGate: it may carry masked data)", TestName = "Strict_ClassOutsideTheKeptList_IsWithheld")]
    [TestCase("XX000", "cache lookup failed for type 1980", "x", "ERROR XX000 (message withheld by ChunkGate: it may carry masked data)", TestName = "Strict_InternalError_IsWithheld")]
    [TestCase("42P01", "relation \"1980-04-12\" does not exist", "SELECT birth::text::regclass FROM t /* 1980-04-12 */", "relation \"REDACTED\" does not exist", TestName = "Strict_FragmentOnlyInABlockComment_IsRedacted")]
    [TestCase("42P01", "relation \"1980-04-12\" does not exist", "SELECT birth::text::regclass FROM t -- 1980-04-12", "relation \"REDACTED\" does not exist", TestName = "Strict_FragmentOnlyInALineComment_IsRedacted")]
    [TestCase("42P01", "relation \"Asthma\" does not exist", "SELECT diagnosis::regclass FROM t WHERE 'xxAsthmaxx' <> '' AND \"xxAsthmaxx\" IS NULL", "relation \"REDACTED\" does not exist", TestName = "Strict_FragmentInsideALongerToken_IsRedacted")]
    [TestCase("42P01", "relation \"1980-04-12\" does not exist", "SELECT '1980-04-12'::regclass", "relation \"1980-04-12\" does not exist", TestName = "Strict_FragmentEqualToAStringConstant_IsKept")]
    [TestCase("42P01", "relation \"it's\" does not exist", "SELECT 'it''s'::regclass", "relation \"it's\" does not exist", TestName = "Strict_FragmentEqualToAConstantWithDoubledQuotes_IsKept")]
    [TestCase("42P01", "relation \"public.no_such\" does not exist", "SELECT * FROM public.no_such", "relation \"public.no_such\" does not exist", TestName = "Strict_QualifiedNameOfTokens_IsKept")]
    [TestCase("42P01", "relation \"Mixed\" does not exist", "SELECT * FROM \"Mixed\"", "relation \"Mixed\" does not exist", TestName = "Strict_QuotedIdentifier_IsKept")]
    [TestCase("42P01", "relation \"mixed\" does not exist", "SELECT * FROM MIXED", "relation \"mixed\" does not exist", TestName = "Strict_FoldedIdentifier_IsKept")]
    [TestCase("42P10", "ORDER BY position 5 is not in select list", "SELECT a FROM t ORDER BY 5", "REDACTED position 5 is not in select list", TestName = "Strict_NumberTheClientWrote_IsKept")]
    [TestCase("42P01", "relation with OID 19800412 does not exist", "SELECT 1 /* 19800412 */", "relation with OID REDACTED does not exist", TestName = "Strict_NumberTheClientDidNotWrite_IsRedacted")]
    [TestCase("42P01", "relation \"xylophobia\" does not exist", "SELECT diagnosis::regclass FROM t", "relation \"REDACTED\" does not exist", TestName = "Strict_QuotedFragmentTheClientDidNotWrite_IsRedacted")]
    [TestCase("42P01", "relation \"no_such\" does not exist", "SELECT * FROM no_such", "relation \"no_such\" does not exist", TestName = "Strict_QuotedFragmentTheClientWrote_IsKept")]
    [TestCase("P0001", "Xylophobia", "SELECT shout(diagnosis) FROM t", "REDACTED: text raised by function code, withheld by ChunkGate masking", TestName = "Strict_RaiseException_IsWithheld")]
    [TestCase("42P01", "it's 'Xylophobia' and \"x\" unclosed \"", "x", "ERROR 42P01 (message withheld by ChunkGate: it may carry masked data)", TestName = "Strict_TextNoTemplateMatches_IsWithheld")]
    [TestCase("42601", "improper relation name (too many dotted names): Asthma.b.c.d", "select ('\"'||diagnosis||'\".b.c.d')::regclass from customers", "improper relation name (too many dotted names): REDACTED", TestName = "Strict_ValueOutsideQuotes_Regclass_IsRedacted")]
    [TestCase("42601", "improper relation name (too many dotted names): Asthma.b.c.d", "select b, c, d, ('\"'||diagnosis||'\".b.c.d')::regclass from t", "improper relation name (too many dotted names): REDACTED", TestName = "Strict_ValueOutsideQuotes_AmongNamesTheClientWrote_IsRedacted")]
    [TestCase("42883", "operator does not exist: diabetes", "select lower(diagnosis)::regoper from customers", "operator does not exist: REDACTED", TestName = "Strict_ValueOutsideQuotes_Regoper_IsRedacted")]
    [TestCase("42883", "operator does not exist: asthma(int,int)", "select (lower(diagnosis)||'(int,int)')::regoperator from customers", "operator does not exist: REDACTED", TestName = "Strict_ValueOutsideQuotes_Regoperator_IsRedacted")]
    [TestCase("42601", "improper qualified name (too many dotted names): x.y.z.asthma", "select ('x.y.z.'||lower(diagnosis))::regconfig from customers", "improper qualified name (too many dotted names): REDACTED", TestName = "Strict_ValueOutsideQuotes_Regconfig_IsRedacted")]
    [TestCase("42601", "improper relation name (too many dotted names): bcdXefXghij.b.c.d", "select ('\"'||translate(ssn,'0123456789-','abcdefghijX')||'\".b.c.d')::regclass from customers", "improper relation name (too many dotted names): REDACTED", TestName = "Strict_SsnSpelledInLetters_IsRedacted")]
    [TestCase("42601", "improper relation name (too many dotted names): 123_45_6789.b.c.d", "select ('\"'||replace(ssn,'-','_')||'\".b.c.d')::regclass from customers", "improper relation name (too many dotted names): REDACTED", TestName = "Strict_DigitsGluedToAWord_AreRedacted")]
    [TestCase("42P01", "relation \"123_45_6789\" does not exist", "select replace(ssn,'-','_')::regclass from customers", "relation \"REDACTED\" does not exist", TestName = "Strict_DigitsGluedToAWordInQuotes_AreRedacted")]
    [TestCase("42601", "improper relation name (too many dotted names): @#$~%^~&*().b.c.d", "select b, c, d, ('\"'||translate(ssn,'0123456789-','()*&^%$#@!~')||'\".b.c.d')::regclass from t", "improper relation name (too many dotted names): REDACTED", TestName = "Strict_SsnSpelledInPunctuation_IsRedacted")]
    [TestCase("42883", "operator does not exist: text = integer", "select 'a'::text = 1", "operator does not exist: REDACTED", TestName = "Strict_OperatorSignatureTheClientDidNotWrite_IsRedacted")]
    [TestCase("42883", "operator does not exist: a b c d e", "select a, b, c, d, e, (replace(replace(ssn, '1', 'a '), '2', 'b '))::regoper from t", "operator does not exist: REDACTED", TestName = "Strict_ValueSpelledInWordsTheClientWrote_IsRedacted")]
    [TestCase("42883", "operator does not exist: text integer bool int4", "select text, integer, bool, int4, translate(ssn, '1234', '....')::regoper from t", "operator does not exist: REDACTED", TestName = "Strict_ValueSpelledInTypeNames_IsRedacted")]
    [TestCase("42601", "improper relation name (too many dotted names): b.c.d.e.f", "select b, c, d, e, f, regexp_replace(ssn, '(.)', '\\1.', 'g')::regclass from t", "improper relation name (too many dotted names): REDACTED", TestName = "Strict_ValueSpelledAsADottedNameOfTokens_IsRedacted")]
    [TestCase("42P01", "relation \"public.no_such\" does not exist", "select * from public . no_such", "relation \"public.no_such\" does not exist", TestName = "Strict_DottedNameWrittenAsSuch_IsKept")]
    [TestCase("42883", "function foo(integer) does not exist", "select foo(1)", "function REDACTED does not exist", TestName = "Strict_FunctionSignatureTheClientDidNotWrite_IsRedacted")]
    [TestCase("42883", "function asthma(integer) does not exist", "select foo(1)", "function REDACTED does not exist", TestName = "Strict_FunctionSignatureTheClientDidNotWrite_IsRedacted")]
    [TestCase("42601", "syntax error at or near \"FORM\"", "SELECT 1 FORM t", "syntax error at or near \"FORM\"", TestName = "Strict_SyntaxError_StaysReadable")]
    [TestCase("42601", "syntax error at or near \"Asthma\"", "SELECT 1 FORM t", "syntax error at or near \"REDACTED\"", TestName = "Strict_SyntaxErrorNearAValue_IsRedacted")]
    [TestCase("42704", "unrecognized configuration parameter \"x\" Asthma \"y\"", "select current_setting('x\" ' || diagnosis || ' \"y')", "unrecognized configuration parameter \"REDACTED\"", TestName = "Strict_QuotesInsideAValue_DoNotSplitItIntoFragments")]
    [TestCase("42704", "unrecognized configuration parameter \"x\" Asthma \"y\"", "select x, y, current_setting('x\" ' || diagnosis || ' \"y') from (select 1 x, 2 y) s", "unrecognized configuration parameter \"REDACTED\"", TestName = "Strict_QuotesInsideAValue_AroundTokensTheClientWrote_AreRedacted")]
    [TestCase("42704", "unrecognized configuration parameter \"x' Asthma 'y\"", "select current_setting('x'' ' || diagnosis || ' ''y')", "unrecognized configuration parameter \"REDACTED\"", TestName = "Strict_OtherQuotesInsideAValue_AreRedacted")]
    [TestCase("42704", "unrecognized configuration parameter \"x\" 1980 \"y\"", "select current_setting('x\" ' || birth || ' \"y') /* 1980 */", "unrecognized configuration parameter \"REDACTED\"", TestName = "Strict_NumbersBetweenInjectedQuotes_AreRedacted")]
    [TestCase("42703", "column \"foo\" of relation \"bar\" does not exist", "INSERT INTO bar (foo) VALUES (1)", "column \"foo\" of relation \"bar\" does not exist", TestName = "Strict_TwoNamesTheClientWrote_JoinedByPostgresWords_AreKept")]
    [TestCase("23503", "insert or update on table \"orders\" violates foreign key constraint \"orders_fk\"", "INSERT INTO orders VALUES (1) -- orders_fk", "insert or update on table \"orders\" violates foreign key constraint \"REDACTED\"", TestName = "Strict_SecondOfTwoNamesNotWritten_IsRedactedFromItsQuote")]
    public void MaskErrorOrNotice_WithColumnRules_RedactsWhatTheClientDidNotWrite(string sqlState, string message, string clientText, string expected) =>
        Mask((byte)'E', Body(('S', "ERROR"), ('C', sqlState), ('M', message)), clientText: clientText).Fields['M'].Should().Be(expected);

    [Test]
    public void MaskErrorOrNotice_WithColumnRules_WithholdsNoticesFromFunctionCode()
    {
        var (fields, _) = Mask((byte)'N', Body(('S', "NOTICE"), ('C', "00000"), ('M', "seen Xylophobia"), ('W', "PL/pgSQL function murmur(text) line 1 at RAISE")));
        fields['M'].Should().StartWith("REDACTED");
        fields['W'].Should().Be("PL/pgSQL function REDACTED line REDACTED at REDACTED", "a context line keeps its template's words, not values the client did not write");
    }

    [Test]
    public void MaskErrorOrNotice_WithColumnRules_KeepsDetailAndHintOnlyAsServerTemplates()
    {
        var body = Body(('S', "ERROR"), ('C', "42883"), ('M', "function foo(integer) does not exist"),
            ('D', "Asthma"), ('H', "No function matches the given name and argument types. You might need to add explicit type casts."),
            ('W', "SQL statement \"select Asthma\"\nunknown line Asthma"), ('q', "select Asthma"), ('s', "public"));

        var (fields, _) = Mask((byte)'E', body, clientText: "select foo(1)");

        fields['M'].Should().Be("function REDACTED does not exist");
        fields['H'].Should().StartWith("No function matches the given name");
        fields.Should().NotContainKey('D', "no template matches a bare value");
        fields.Should().NotContainKey('q', "an internal query is no template");
        fields['W'].Should().Be("SQL statement \"REDACTED\"", "the line no template matches is dropped");
        fields['s'].Should().Be("public");
    }

    [Test]
    public void ServerMessageCatalog_MatchesTheMostSpecificTemplate()
    {
        var catalog = ServerMessageCatalog.Instance;
        Span<Range> values = stackalloc Range[20];
        var text = "column \"foo\" of relation \"bar\" does not exist"u8;

        var template = catalog.Match(text, values);

        template.Should().NotBeNull();
        template!.Placeholders.Should().Be(2);
        Encoding.UTF8.GetString(text[values[0]]).Should().Be("foo");
        Encoding.UTF8.GetString(text[values[1]]).Should().Be("bar");
        catalog.Match("Asthma"u8, values).Should().BeNull();
        catalog.Match("x: y"u8, values).Should().BeNull("templates of placeholders and punctuation only are dropped");
    }

    [TestCase("improper relation name (too many dotted names): %s", "improper relation name (too many dotted names): a.b.c.d", "a.b.c.d")]
    [TestCase("ORDER BY position %d is not in select list", "ORDER BY position 5 is not in select list", "5")]
    [TestCase("value %ld is out of range", "value -12 is out of range", "-12")]
    [TestCase("at %2$s by %1$s", "at x by y", "x")]
    [TestCase("%.*s is bad", "abc is bad", "abc")]
    [TestCase("100%% of %s", "100% of t", "t")]
    public void MessageTemplate_ParsesPrintfConversions(string template, string text, string firstValue)
    {
        var parsed = MessageTemplate.Parse(template)!;
        Span<Range> values = stackalloc Range[4];
        var budget = 1000;

        parsed.TryMatch(Encoding.UTF8.GetBytes(text), values, ref budget).Should().BeTrue();
        text[values[0]].Should().Be(firstValue);
    }

    [Test]
    public void MessageTemplate_NumericPlaceholderRefusesWords()
    {
        var budget = 1000;
        MessageTemplate.Parse("ORDER BY position %d is not in select list")!.TryMatch("ORDER BY position Asthma is not in select list"u8, stackalloc Range[2], ref budget).Should().BeFalse();
    }

    [Test]
    public void MessageTemplate_OutOfBudget_DoesNotMatch()
    {
        var template = MessageTemplate.Parse("column \"%s\" of relation \"%s\" does not exist")!;
        var text = Encoding.UTF8.GetBytes("column \"" + string.Concat(Enumerable.Repeat("x\" of relation \"", 300)) + "\" does not exist");
        var enough = 1_000_000;
        var scarce = 100;

        template.TryMatch(text, stackalloc Range[2], ref enough).Should().BeTrue();
        template.TryMatch(text, stackalloc Range[2], ref scarce).Should().BeFalse("a crafted text may not make matching slow: it is withheld instead");
    }

    [Test]
    public void MaskErrorOrNotice_WithColumnRules_DropsPositions_WithoutKeepsThem()
    {
        var body = Body(('S', "ERROR"), ('C', "42601"), ('M', "syntax error at or near \"1\""), ('P', "89"), ('p', "12"));

        Mask((byte)'E', body, clientText: "select '1'::regtype").Fields.Should().NotContainKeys('P', 'p');
        Mask((byte)'E', body, withRules: false).Fields['P'].Should().Be("89");
    }

    [Test]
    public void MaskErrorOrNotice_RejectsMalformedBodies()
    {
        using var masker = Masker();
        foreach (var body in new byte[][] { [], [(byte)'M', (byte)'x'], [(byte)'M', (byte)'x', 0], [.. Body(('M', "x")), 1] })
        {
            var output = new ArrayBufferWriter<byte>();
            masker.MaskErrorOrNotice((byte)'E', new ReadOnlySequence<byte>(body), output).Should().Be(ResultMasker.Malformed);
            output.WrittenCount.Should().Be(0);
        }
    }

    [Test]
    public void MaskErrorOrNotice_WithheldClass_KeepsSeverityAndSqlStateAndDropsEveryOtherText()
    {
        var body = Body(('S', "ERROR"), ('V', "ERROR"), ('C', "54000"), ('M', "requested character too large for encoding: 123456789"),
            ('D', "d 1980"), ('H', "h 1980"), ('W', "w 1980"), ('q', "q 1980"), ('P', "8"), ('F', "varlena.c"), ('L', "1"), ('R', "chr"));

        var (fields, masked) = Mask((byte)'E', body);

        fields.Keys.Should().BeEquivalentTo(['S', 'V', 'C', 'M', 'F', 'L', 'R'], "a position can be steered by a value");
        fields['M'].Should().Be("ERROR 54000 (message withheld by ChunkGate: it may carry masked data)");
        masked.Should().Be(2);
    }

    [Test]
    public void MaskErrorOrNotice_OwnRefusal_IsKeptWhateverItsClass()
    {
        var message = "ChunkGate sidecar refused the statement: function pg_sleep is not allowed";
        var body = Body(('S', "ERROR"), ('C', "54000"), ('M', message), ('W', "PL/pgSQL function inline_code_block line 1 at RAISE"));

        Mask((byte)'E', body).Fields['M'].Should().Be(message);
        Mask((byte)'E', Body(('S', "ERROR"), ('C', "54000"), ('M', message), ('W', "PL/pgSQL function shout(text) line 1 at RAISE"))).Fields['M']
            .Should().StartWith("REDACTED", "a function raising the same words is not the sidecar");
    }
}
