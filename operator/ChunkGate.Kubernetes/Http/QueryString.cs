using System.Globalization;
using System.Text;

namespace ChunkGate.Kubernetes.Http;

internal sealed class QueryString
{
    private readonly StringBuilder builder = new();

    public QueryString Add(string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return this;
        }

        builder.Append(builder.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        return this;
    }

    public QueryString Add(string name, long? value) => value is { } number ? Add(name, number.ToString(CultureInfo.InvariantCulture)) : this;

    public QueryString Add(string name, bool value) => value ? Add(name, "true") : this;

    public override string ToString() => builder.ToString();
}
