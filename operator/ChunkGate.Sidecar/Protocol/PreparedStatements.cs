using System.Text;
using ChunkGate.Sidecar.Recording;

namespace ChunkGate.Sidecar.Protocol;

/// <summary>A statement as the client prepared it with Parse: its text, declared parameter types, and whether the sidecar refused it.</summary>
internal sealed record PreparedStatement(string Text, uint[] ParameterTypes, bool Refused);

/// <summary>A portal as the client bound it: the statement it runs and the shapes (never the values) of its parameters.</summary>
internal sealed record BoundPortal(PreparedStatement? Statement, ParameterShape[] Parameters);

/// <summary>
/// The client's named and unnamed prepared statements and portals, mirrored from Parse, Bind and
/// Close so that every Execute can be recorded with its statement's text and its Bind's parameter
/// shapes. The unnamed statement and portal are replaced by the next Parse/Bind, a named one is
/// forgotten at Close. A Parse always replaces the name's entry: after SQL-level <c>DEALLOCATE</c>
/// or <c>DISCARD</c>, which the sidecar does not follow, a name is legitimately prepared again;
/// the price is that a client's erroneous second Parse of a name in use (refused by PostgreSQL
/// with 42P05, the first statement kept) is recorded with the second text. Bounded: past <see cref="MaxEntries"/> names of a kind, new names are not tracked and their
/// executions are recorded without text (so are those of portals past <see cref="MaxParameterShapes"/>); past <see cref="MaxTextCharacters"/> of kept texts, new
/// statements are kept with <see cref="TextNotKept"/> instead of their text (never a cut text: a
/// literal cut in half could escape the recording's masking).
/// </summary>
internal sealed class PreparedStatements
{
    public const int MaxEntries = 10_000;

    /// <summary>16 MiB of UTF-16 text per session, whatever the client prepares.</summary>
    public const long MaxTextCharacters = 8L * 1024 * 1024;

    public const string TextNotKept = "-- (statement text not kept: this session's prepared statements passed the sidecar's 16 MiB budget)";

    /// <summary>Parameter shapes kept for all portals (a Bind may carry 32,767): past it, new portals are not tracked.</summary>
    public const int MaxParameterShapes = 1_000_000;

    private long textCharacters;
    private long shapes;

    private readonly Dictionary<string, PreparedStatement> statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BoundPortal> portals = new(StringComparer.Ordinal);

    public int StatementCount => statements.Count;

    public int PortalCount => portals.Count;

    public void Parse(ReadOnlySpan<byte> name, string text, uint[] parameterTypes, bool refused)
    {
        var key = Name(name);
        if (key.Length == 0 || statements.Count < MaxEntries || statements.ContainsKey(key))
        {
            Forget(key);
            var kept = textCharacters + text.Length <= MaxTextCharacters ? text : TextNotKept;
            textCharacters += kept.Length;
            statements[key] = new PreparedStatement(kept, parameterTypes, refused);
        }
    }

    /// <summary>Characters of statement text kept now (at most <see cref="MaxTextCharacters"/> plus placeholders).</summary>
    public long TextCharacters => textCharacters;

    /// <summary>The statement a Bind names, or null when it is unknown.</summary>
    public PreparedStatement? Statement(ReadOnlySpan<byte> name) => statements.GetValueOrDefault(Name(name));

    public void Bind(ReadOnlySpan<byte> portal, PreparedStatement? statement, ParameterShape[] parameters)
    {
        var key = Name(portal);
        if (portals.Remove(key, out var replaced))
        {
            shapes -= replaced.Parameters.Length;
        }

        if ((key.Length == 0 || portals.Count < MaxEntries) && shapes + parameters.Length <= MaxParameterShapes)
        {
            portals[key] = new BoundPortal(statement, parameters);
            shapes += parameters.Length;
        }
    }

    public BoundPortal? Portal(ReadOnlySpan<byte> name) => portals.GetValueOrDefault(Name(name));

    /// <summary>Close 'S' forgets a statement, Close 'P' a portal.</summary>
    public void Close(byte kind, ReadOnlySpan<byte> name)
    {
        if (kind == (byte)'S')
        {
            Forget(Name(name));
        }
        else if (kind == (byte)'P')
        {
            if (portals.Remove(Name(name), out var closed))
            {
                shapes -= closed.Parameters.Length;
            }
        }
    }

    /// <summary>Reads the parameter type OIDs that follow a Parse's query string (none when they are cut short).</summary>
    public static uint[] ParameterTypes(ReadOnlySpan<byte> afterQuery)
    {
        if (afterQuery.Length < 2)
        {
            return [];
        }

        var count = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(afterQuery);
        if (count == 0 || afterQuery.Length < 2 + (count * 4))
        {
            return [];
        }

        var types = new uint[count];
        for (var index = 0; index < types.Length; index++)
        {
            types[index] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(afterQuery[(2 + (index * 4))..]);
        }

        return types;
    }

    private void Forget(string key)
    {
        if (statements.Remove(key, out var forgotten))
        {
            textCharacters -= forgotten.Text.Length;
        }
    }

    private static string Name(ReadOnlySpan<byte> name) => name.IsEmpty ? string.Empty : Encoding.UTF8.GetString(name);
}
