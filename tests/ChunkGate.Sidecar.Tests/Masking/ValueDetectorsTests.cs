using System.Text;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Masking;

public sealed class ValueDetectorsTests
{
    private static (string Masked, int Found) Mask(string text, DetectorKinds kinds = DetectorKinds.All)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var found = ValueDetectors.MaskInPlace(bytes, kinds);
        return (Encoding.UTF8.GetString(bytes), found);
    }

    [TestCase("123-45-6789", "***-**-****")]
    [TestCase("123 45 6789", "*** ** ****")]
    [TestCase("ssn: 123-45-6789.", "ssn: ***-**-****.")]
    [TestCase("A123-45-6789B", "A***-**-****B")]
    [TestCase("ids 123-45-6789 and 987-65-4321", "ids ***-**-**** and ***-**-****")]
    [TestCase("{\"ssn\":\"123-45-6789\"}", "{\"ssn\":\"***-**-****\"}")]
    [TestCase("123-45-6789-1", "***-**-****-1")]
    [TestCase("{\"ssn\": \"123456789\"}", "{\"ssn\": \"*********\"}")]
    [TestCase("{\"SSN\":123456789}", "{\"SSN\":*********}")]
    [TestCase("{\"patient\":{\"social_security\":\"123456789\"}}", "{\"patient\":{\"social_security\":\"*********\"}}")]
    [TestCase("ssn 123456789 and ssn 987654321", "ssn ********* and ssn *********")]
    [TestCase("123-45-6789 987-65-4321 111-22-3333", "***-**-**** ***-**-**** ***-**-****", TestName = "MaskInPlace_MasksSsn_ThirdOfASpaceSeparatedList")]
    [TestCase("1 123-45-6789 987-65-4321 111-22-3333 222-33-4444", "1 ***-**-**** ***-**-**** ***-**-**** ***-**-****", TestName = "MaskInPlace_MasksSsn_EveryOneOfAListBeyondEightGroups")]
    public void MaskInPlace_MasksSsn(string text, string expected)
    {
        var (masked, found) = Mask(text, DetectorKinds.Ssn);

        masked.Should().Be(expected);
        found.Should().BeGreaterThan(0);
    }

    [TestCase("2024-01-15")]
    [TestCase("call 555-123-4567")]
    [TestCase("12-345-6789")]
    [TestCase("1234-56-7890")]
    [TestCase("123456789")]
    [TestCase("{\"order\": \"123456789\"}")]
    [TestCase("ssn field far away from the number, more than 24 bytes: 123456789")]
    [TestCase("ssn 1234567890")]
    [TestCase("ssn 12345678")]
    [TestCase("no digits at all")]
    [TestCase("")]
    public void MaskInPlace_LeavesNonSsnAlone(string text)
    {
        Mask(text).Should().Be((text, 0));
    }

    [TestCase("4111111111111111", "0000000000000000")]
    [TestCase("4111 1111 1111 1111", "**** **** **** ****")]
    [TestCase("4111-1111-1111-1111", "****-****-****-****")]
    [TestCase("card 5500-0000-0000-0004 exp 12/29", "card ****-****-****-**** exp 12/29")]
    [TestCase("amex 3782 822463 10005", "amex **** ****** *****")]
    [TestCase("[\"4012888888881881\"]", "[\"0000000000000000\"]")]
    [TestCase("{\"pan\":4111111111111111}", "{\"pan\":0000000000000000}")]
    public void MaskInPlace_MasksLuhnValidCards(string text, string expected)
    {
        var (masked, found) = Mask(text, DetectorKinds.Card);

        masked.Should().Be(expected);
        found.Should().Be(1);
    }

    [TestCase("4111111111111112")]
    [TestCase("4111 1111 1111 1112")]
    [TestCase("4111-1111-1111-1112")]
    [TestCase("411111111111")]
    [TestCase("41111111111111111111")]
    [TestCase("4111-1111 1111-1111")]
    [TestCase("4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1")]
    public void MaskInPlace_LeavesLuhnInvalidOrOddlyGroupedNumbersAlone(string text)
    {
        Mask(text, DetectorKinds.Card).Should().Be((text, 0));
    }

    [TestCase("{\"order\": \"123456789\"}", "{\"order\": \"*********\"}", TestName = "Strict_MasksEveryNineDigitNumber")]
    [TestCase("4111111111111112", "0000000000000000", TestName = "Strict_MasksACardFailingLuhn")]
    [TestCase("4111 1111 1111 1112", "**** **** **** ****", TestName = "Strict_MasksAGroupedCardFailingLuhn")]
    public void MaskInPlace_Strict_WidensSsnAndCard(string text, string expected) =>
        Mask(text, DetectorKinds.All | DetectorKinds.Strict).Masked.Should().Be(expected);

    [TestCase("1234567890", TestName = "Strict_LeavesTenDigitsAlone")]
    [TestCase("41111111111", TestName = "Strict_LeavesElevenDigitsAlone")]
    [TestCase("4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 2", TestName = "Strict_LeavesOddlyGroupedDigitsAlone")]
    public void MaskInPlace_Strict_StillLeavesOtherNumbersAlone(string text) =>
        Mask(text, DetectorKinds.All | DetectorKinds.Strict).Should().Be((text, 0));

    [TestCase("alice@example.com", "*****@*******.***")]
    [TestCase("mail Bob.Smith+tag@mail.example.co.uk now", "mail ***.*********@****.*******.**.** now")]
    [TestCase("{\"contact\":{\"email\":\"carol@corp.io\",\"n\":1}}", "{\"contact\":{\"email\":\"*****@****.**\",\"n\":1}}")]
    [TestCase("a@b.com, c@d.org", "*@*.***, *@*.***")]
    public void MaskInPlace_MasksEmails(string text, string expected)
    {
        var (masked, found) = Mask(text, DetectorKinds.Email);

        masked.Should().Be(expected);
        found.Should().BeGreaterThan(0);
    }

    [TestCase("user@localhost")]
    [TestCase("@example.com")]
    [TestCase("a @ b")]
    [TestCase("x@y.c")]
    [TestCase("price@10.00")]
    public void MaskInPlace_LeavesNonEmailsAlone(string text)
    {
        Mask(text, DetectorKinds.Email).Should().Be((text, 0));
    }

    [Test]
    public void MaskInPlace_KeepsByteLength_ForMultiByteText()
    {
        var text = "Zoë's SSN is 123-45-6789, mail zoë@example.com";
        var bytes = Encoding.UTF8.GetBytes(text);
        var before = bytes.Length;

        ValueDetectors.MaskInPlace(bytes, DetectorKinds.All);

        bytes.Length.Should().Be(before);
        var masked = Encoding.UTF8.GetString(bytes);
        masked.Should().StartWith("Zoë's SSN is ***-**-****").And.NotContain("6789").And.NotContain("example");
    }

    [Test]
    public void MaskInPlace_OnlyRunsEnabledDetectors()
    {
        Mask("123-45-6789 alice@example.com", DetectorKinds.Email).Masked.Should().Be("123-45-6789 *****@*******.***");
        Mask("123-45-6789 alice@example.com", DetectorKinds.None).Found.Should().Be(0);
    }

    [TestCase("79927398713", true)]
    [TestCase("79927398710", false)]
    [TestCase("4111-1111-1111-1111", true)]
    public void PassesLuhn_ChecksModTen(string digits, bool expected)
    {
        ValueDetectors.PassesLuhn(Encoding.ASCII.GetBytes(digits)).Should().Be(expected);
    }

    [Test]
    public void MaskInPlace_MasksEverySsnOfALongSpaceSeparatedRun()
    {
        // One digit "run" of 30 000 groups: the window must slide over all of them, not the first eight.
        var text = string.Join(' ', Enumerable.Repeat("123-45-6789", 10_000));

        var (masked, found) = Mask(text, DetectorKinds.Ssn);

        found.Should().Be(10_000);
        masked.Should().NotContainAny("1", "2", "3", "4", "5", "6", "7", "8", "9");
    }

    [TestCase("4111 1111 1111 1111 5500 0000 0000 0004", "**** **** **** **** **** **** **** ****", TestName = "MaskInPlace_MasksEveryCardOfASpaceSeparatedList")]
    [TestCase("4111-1111-1111-1111-5500-0000-0000-0004-3782-822463-10005", "****-****-****-****-****-****-****-****-****-******-*****", TestName = "MaskInPlace_MasksEveryCardOfADashSeparatedListBeyondEightGroups")]
    [TestCase("7 4111 1111 1111 1111 99", "7 **** **** **** **** 99", TestName = "MaskInPlace_MasksACardInsideALongerRun")]
    public void MaskInPlace_MasksCardsInsideLongerRuns(string text, string expected) =>
        Mask(text, DetectorKinds.Card).Masked.Should().Be(expected);
}
