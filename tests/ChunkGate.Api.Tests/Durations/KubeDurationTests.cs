using ChunkGate.Api.Durations;

namespace ChunkGate.Api.Tests.Durations;

public sealed class KubeDurationTests
{
    [TestCase("90s", 90_000)]
    [TestCase("10m", 600_000)]
    [TestCase("1h30m", 5_400_000)]
    [TestCase("1h30m15s", 5_415_000)]
    [TestCase("1.5h", 5_400_000)]
    [TestCase("250ms", 250)]
    [TestCase("2m500ms", 120_500)]
    [TestCase("+5s", 5_000)]
    [TestCase("1500us", 1.5)]
    [TestCase("1500µs", 1.5)]
    public void TryParse_AcceptsKubernetesDurations(string text, double milliseconds)
    {
        KubeDuration.TryParse(text, out var value, out var error).Should().BeTrue(error);
        value.Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }

    [TestCase("-5m", "must be positive, got \"-5m\"")]
    [TestCase("0s", "must be positive, got \"0s\"")]
    [TestCase("0h0m", "must be positive, got \"0h0m\"")]
    [TestCase("", "must be a duration such as 90s, 10m or 1h30m, got an empty value")]
    [TestCase("   ", "must be a duration such as 90s, 10m or 1h30m, got an empty value")]
    [TestCase("10", "missing unit in duration \"10\" (use ns, us, ms, s, m or h)")]
    [TestCase("10d", "unknown unit \"d\" in duration \"10d\" (use ns, us, ms, s, m or h)")]
    [TestCase("ten minutes", "invalid duration \"ten minutes\": expected a number at position 1 (durations look like 90s, 10m or 1h30m)")]
    [TestCase("1.2.3s", "invalid duration \"1.2.3s\": expected a number at position 1 (durations look like 90s, 10m or 1h30m)")]
    [TestCase("5m 30s", "unknown unit \"m \" in duration \"5m 30s\" (use ns, us, ms, s, m or h)")]
    [TestCase("1ns", "must be at least 100ns, got \"1ns\"")]
    [TestCase("99999999999999999999h", "duration \"99999999999999999999h\" is too long")]
    public void TryParse_RejectsWithClearMessage(string text, string message)
    {
        KubeDuration.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().Be(message);
    }

    [Test]
    public void TryParse_RejectsNull()
    {
        KubeDuration.TryParse(null, out _, out var error).Should().BeFalse();
        error.Should().Contain("empty");
    }

    [Test]
    public void Parse_ThrowsFormatException_WithTheSameMessage()
    {
        var act = () => KubeDuration.Parse("-1h");
        act.Should().Throw<FormatException>().WithMessage("must be positive, got \"-1h\"");
    }

    [TestCase(900_000, "15m")]
    [TestCase(5_400_000, "1h30m")]
    [TestCase(90_000, "1m30s")]
    [TestCase(250, "250ms")]
    [TestCase(90_000_000, "25h")]
    [TestCase(1_500, "1.5s")]
    public void Format_IsCompactAndParsesBack(double milliseconds, string expected)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);
        KubeDuration.Format(value).Should().Be(expected);
        KubeDuration.Parse(expected).Should().Be(value);
    }

    [TestCase("90s", true)]
    [TestCase("1h30m", true)]
    [TestCase("1.5h", true)]
    [TestCase("-5m", false)]
    [TestCase("10", false)]
    [TestCase("10d", false)]
    [TestCase("", false)]
    public void Pattern_AgreesWithParser(string text, bool valid)
    {
        System.Text.RegularExpressions.Regex.IsMatch(text, KubeDuration.Pattern).Should().Be(valid);
        KubeDuration.TryParse(text, out _, out _).Should().Be(valid);
    }
}
