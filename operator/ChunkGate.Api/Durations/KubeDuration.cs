using System.Globalization;
using System.Text;

namespace ChunkGate.Api.Durations;

/// <summary>
/// Durations as Kubernetes writes them (Go's <c>time.ParseDuration</c>: <c>90s</c>, <c>10m</c>,
/// <c>1h30m</c>, <c>1.5h</c>, <c>250ms</c>), restricted to positive values: a TTL of zero or less
/// is always a mistake.
/// </summary>
public static class KubeDuration
{
    /// <summary>The same grammar for the CRD schema (positive durations, no sign).</summary>
    public const string Pattern = @"^([0-9]+(\.[0-9]+)?(ns|us|µs|μs|ms|s|m|h))+$";

    private const long TicksPerNanosecondDivisor = 100;

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    /// <summary>Parses a positive duration; on failure <paramref name="error"/> says what is wrong, for a user.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "must be a duration such as 90s, 10m or 1h30m, got an empty value";
            return false;
        }

        if (text[0] is '-')
        {
            error = $"must be positive, got \"{text}\"";
            return false;
        }

        var position = text[0] is '+' ? 1 : 0;
        decimal totalNanoseconds = 0;
        var sawComponent = false;
        while (position < text.Length)
        {
            var numberStart = position;
            while (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '.'))
            {
                position++;
            }

            var numberText = text[numberStart..position];
            if (numberText.Length == 0 || numberText == "." || numberText.Count(c => c == '.') > 1 ||
                !decimal.TryParse(numberText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = $"invalid duration \"{text}\": expected a number at position {numberStart + 1} (durations look like 90s, 10m or 1h30m)";
                return false;
            }

            var unitStart = position;
            while (position < text.Length && !char.IsAsciiDigit(text[position]) && text[position] != '.')
            {
                position++;
            }

            var unit = text[unitStart..position];
            if (unit.Length == 0)
            {
                error = $"missing unit in duration \"{text}\" (use ns, us, ms, s, m or h)";
                return false;
            }

            if (!TryNanosecondsPerUnit(unit, out var perUnit))
            {
                error = $"unknown unit \"{unit}\" in duration \"{text}\" (use ns, us, ms, s, m or h)";
                return false;
            }

            try
            {
                totalNanoseconds += number * perUnit;
            }
            catch (OverflowException)
            {
                error = $"duration \"{text}\" is too long";
                return false;
            }

            sawComponent = true;
        }

        if (!sawComponent || totalNanoseconds <= 0)
        {
            error = $"must be positive, got \"{text}\"";
            return false;
        }

        var ticks = totalNanoseconds / TicksPerNanosecondDivisor;
        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            error = $"duration \"{text}\" is too long";
            return false;
        }

        value = TimeSpan.FromTicks((long)ticks);
        if (value <= TimeSpan.Zero)
        {
            error = $"must be at least 100ns, got \"{text}\"";
            return false;
        }

        error = "";
        return true;
    }

    /// <summary>Compact form without zero parts: 15m, 1h30m, 1m30s, 250ms.</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        var hours = (long)value.TotalHours;
        if (hours > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{hours}h");
        }

        if (value.Minutes > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{value.Minutes}m");
        }

        var subMinute = value - TimeSpan.FromMinutes(Math.Floor(value.TotalMinutes));
        if (subMinute > TimeSpan.Zero)
        {
            if (subMinute.Ticks % TimeSpan.TicksPerSecond == 0)
            {
                builder.Append(CultureInfo.InvariantCulture, $"{(long)subMinute.TotalSeconds}s");
            }
            else if (builder.Length == 0 && subMinute < TimeSpan.FromSeconds(1) && subMinute.Ticks % TimeSpan.TicksPerMillisecond == 0)
            {
                builder.Append(CultureInfo.InvariantCulture, $"{(long)subMinute.TotalMilliseconds}ms");
            }
            else
            {
                builder.Append(subMinute.TotalSeconds.ToString("0.#######", CultureInfo.InvariantCulture)).Append('s');
            }
        }

        return builder.ToString();
    }

    private static bool TryNanosecondsPerUnit(string unit, out decimal nanoseconds)
    {
        nanoseconds = unit switch
        {
            "ns" => 1m,
            "us" or "µs" or "μs" => 1_000m,
            "ms" => 1_000_000m,
            "s" => 1_000_000_000m,
            "m" => 60_000_000_000m,
            "h" => 3_600_000_000_000m,
            _ => 0m,
        };
        return nanoseconds > 0;
    }
}
