using System.Diagnostics.CodeAnalysis;
using System.Text;
using ChunkGate.Sidecar.Guardrails;
using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>A <see cref="CopyStatement"/> as the sidecar's judgment of a statement text produces it; false when the text is not a single maskable COPY TO STDOUT.</summary>
internal static class CopyStatements
{
    public static bool TryParse(string statement, [NotNullWhen(true)] out CopyStatement? copy)
    {
        copy = StatementClassifier.Judge(Encoding.UTF8.GetBytes(statement)).Copy;
        return copy is not null;
    }
}
