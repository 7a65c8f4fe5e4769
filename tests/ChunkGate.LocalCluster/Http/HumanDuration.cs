using System.Globalization;

namespace ChunkGate.LocalCluster.Http;

/// <summary>k8s.io/apimachinery/pkg/util/duration.HumanDuration: the AGE column's "5m", "2d3h" format.</summary>
internal static class HumanDuration
{
    public static string Format(TimeSpan d)
    {
        var seconds = (long)Math.Floor(d.TotalSeconds);
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 60 * 2)
        {
            return Text($"{seconds}s");
        }

        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? Text($"{minutes}m") : Text($"{minutes}m{s}s");
        }

        if (minutes < 60 * 3)
        {
            return Text($"{minutes}m");
        }

        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? Text($"{hours}h") : Text($"{hours}h{m}m");
        }

        if (hours < 48)
        {
            return Text($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? Text($"{hours / 24}d") : Text($"{hours / 24}d{h}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return Text($"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? Text($"{hours / 24 / 365}y") : Text($"{hours / 24 / 365}y{dy}d");
        }

        return Text($"{hours / 24 / 365}y");
    }

    private static string Text(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
