using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class StatementTextMaskerTests
{
    private static readonly StatementTextMasker Masker = new(
        new MaskedColumnSet([new((1u, (short)2), MaskingStrategy.Last4)], ["ssn", "Card Number"]),
        DetectorKinds.All);

    [TestCase("SELECT * FROM customers WHERE ssn = '123456789'", "SELECT * FROM customers WHERE ssn = '***'")]
    [TestCase("select id from c where SSN like '12%' and name = 'bob'", "select id from c where SSN like '***' and name = '***'")]
    [TestCase("SELECT \"Card Number\" FROM c WHERE \"Card Number\" = 41111111", "SELECT \"Card Number\" FROM c WHERE \"Card Number\" = 0")]
    [TestCase("SELECT * FROM c WHERE ssn = E'12\\'3' LIMIT 10", "SELECT * FROM c WHERE ssn = E'***' LIMIT 10")]
    [TestCase("SELECT * FROM c WHERE ssn = $q$ 1 2 3 $q$ OR ssn = $$x$$", "SELECT * FROM c WHERE ssn = '***' OR ssn = '***'")]
    [TestCase("SELECT * FROM c WHERE ssn IN ('a', 'b''c') AND id = t2.id", "SELECT * FROM c WHERE ssn IN ('***', '***') AND id = t2.id")]
    public void Mask_ReplacesLiterals_WhenAMaskedColumnIsNamed(string statement, string expected)
    {
        Masker.Mask(statement).Should().Be(expected);
    }

    [TestCase("SELECT * FROM orders WHERE note = 'hello' AND id = 12345", "SELECT * FROM orders WHERE note = 'hello' AND id = 12345")]
    [TestCase("SELECT * FROM orders WHERE note = '123-45-6789'", "SELECT * FROM orders WHERE note = '***-**-****'")]
    [TestCase("SELECT 1 -- card 4111 1111 1111 1111", "SELECT 1 -- card **** **** **** ****")]
    [TestCase("INSERT INTO t VALUES ('bob@example.com')", "INSERT INTO t VALUES ('***@*******.***')")]
    [TestCase("SELECT ssnx, my_ssn FROM t WHERE a = 'keep'", "SELECT ssnx, my_ssn FROM t WHERE a = 'keep'")]
    public void Mask_OnlyRunsDetectors_WhenNoMaskedColumnIsNamed(string statement, string expected)
    {
        Masker.Mask(statement).Should().Be(expected);
    }

    [Test]
    public void Mask_NeverKeepsTheRawValue_OfAClassicLeak()
    {
        Masker.Mask("SELECT name FROM customers WHERE ssn = '123-45-6789'").Should().NotContain("6789").And.NotContain("123-45");
    }
}
