using ChunkGate.Sidecar.Recording;

namespace ChunkGate.Sidecar.Protocol;

/// <summary>
/// Reads a Bind message's structure as its bytes stream past: portal and statement names, the
/// parameter format codes, each parameter's length (-1 = NULL) and the result format codes. The
/// values themselves are counted and skipped, never kept, so a Bind of any size is read in
/// bounded memory and a value can never reach the recording from here.
/// Bind = portal cstring, statement cstring, int16 nFormats, int16[nFormats],
/// int16 nParams, nParams × (int32 length, bytes), int16 nResultFormats, int16[nResultFormats].
/// Counts are read as PostgreSQL reads them (unsigned 16 bits).
/// </summary>
internal sealed class BindReader(int maxNameLength)
{
    private enum Stage : byte
    {
        Portal,
        Statement,
        FormatCount,
        Formats,
        ParameterCount,
        ParameterLength,
        ParameterValue,
        ResultCount,
        ResultFormats,
        Done,
    }

    private Stage stage;
    private long remaining;
    private byte[] portal = new byte[64];
    private int portalLength;
    private byte[] statement = new byte[64];
    private int statementLength;
    private int scratch;
    private int scratchBytes;
    private int formatCount;
    private short[] formats = new short[8];
    private int parameterCount;
    private int[] lengths = new int[8];
    private int index;
    private long valueRemaining;
    private int resultCount;

    /// <summary>Why the message was malformed (set with <see cref="FrameStatus.InvalidData"/>).</summary>
    public string? Problem { get; private set; }

    public ReadOnlySpan<byte> Portal => portal.AsSpan(0, portalLength);

    public ReadOnlySpan<byte> Statement => statement.AsSpan(0, statementLength);

    public int ParameterCount => parameterCount;

    /// <summary>Starts a new message whose body (after type and length) is <paramref name="bodyLength"/> bytes.</summary>
    public void Start(long bodyLength)
    {
        stage = Stage.Portal;
        remaining = bodyLength;
        portalLength = 0;
        statementLength = 0;
        scratch = 0;
        scratchBytes = 0;
        formatCount = 0;
        parameterCount = 0;
        index = 0;
        valueRemaining = 0;
        resultCount = 0;
        Problem = null;
    }

    /// <summary>
    /// Consumes the next bytes of the body (never more than the body holds). Returns
    /// <see cref="FrameStatus.Complete"/> once the last byte was read and the structure ended exactly there,
    /// <see cref="FrameStatus.InvalidData"/> as soon as the structure is impossible.
    /// </summary>
    public FrameStatus Feed(ReadOnlySpan<byte> data)
    {
        if (Problem is not null)
        {
            return FrameStatus.InvalidData;
        }

        if (data.Length > remaining)
        {
            return Fail("more bytes than its length announced");
        }

        remaining -= data.Length;
        while (!data.IsEmpty)
        {
            switch (stage)
            {
                case Stage.Portal:
                    if (!TakeName(ref data, ref portal, ref portalLength))
                    {
                        return Problem is null ? Ended() : FrameStatus.InvalidData;
                    }

                    stage = Stage.Statement;
                    break;
                case Stage.Statement:
                    if (!TakeName(ref data, ref statement, ref statementLength))
                    {
                        return Problem is null ? Ended() : FrameStatus.InvalidData;
                    }

                    stage = Stage.FormatCount;
                    break;
                case Stage.FormatCount:
                    if (!TakeInt(ref data, 2, out formatCount))
                    {
                        break;
                    }

                    Grow(ref formats, formatCount);
                    index = 0;
                    stage = formatCount == 0 ? Stage.ParameterCount : Stage.Formats;
                    break;
                case Stage.Formats:
                    if (!TakeInt(ref data, 2, out var format))
                    {
                        break;
                    }

                    if (format is not (0 or 1))
                    {
                        return Fail($"parameter format code {format} is neither 0 (text) nor 1 (binary)");
                    }

                    formats[index++] = (short)format;
                    if (index == formatCount)
                    {
                        stage = Stage.ParameterCount;
                    }

                    break;
                case Stage.ParameterCount:
                    if (!TakeInt(ref data, 2, out parameterCount))
                    {
                        break;
                    }

                    if (formatCount > 1 && formatCount != parameterCount)
                    {
                        return Fail($"{formatCount} parameter format codes for {parameterCount} parameters (must be 0, 1 or one per parameter)");
                    }

                    Grow(ref lengths, parameterCount);
                    index = 0;
                    stage = parameterCount == 0 ? Stage.ResultCount : Stage.ParameterLength;
                    break;
                case Stage.ParameterLength:
                    if (!TakeInt(ref data, 4, out var length))
                    {
                        break;
                    }

                    if (length < -1)
                    {
                        return Fail($"parameter {index + 1} has length {length}");
                    }

                    if (length > remaining + data.Length)
                    {
                        return Fail($"parameter {index + 1} of {length} bytes runs past the end of the message");
                    }

                    lengths[index] = length;
                    valueRemaining = Math.Max(length, 0);
                    stage = valueRemaining > 0 ? Stage.ParameterValue : NextParameter();
                    break;
                case Stage.ParameterValue:
                    var skip = (int)Math.Min(valueRemaining, data.Length);
                    data = data[skip..];
                    valueRemaining -= skip;
                    if (valueRemaining == 0)
                    {
                        stage = NextParameter();
                    }

                    break;
                case Stage.ResultCount:
                    if (!TakeInt(ref data, 2, out resultCount))
                    {
                        break;
                    }

                    index = 0;
                    stage = resultCount == 0 ? Stage.Done : Stage.ResultFormats;
                    break;
                case Stage.ResultFormats:
                    if (!TakeInt(ref data, 2, out var resultFormat))
                    {
                        break;
                    }

                    if (resultFormat is not (0 or 1))
                    {
                        return Fail($"result format code {resultFormat} is neither 0 (text) nor 1 (binary)");
                    }

                    if (++index == resultCount)
                    {
                        stage = Stage.Done;
                    }

                    break;
                case Stage.Done:
                    return Fail("bytes after its last result format code");
            }
        }

        return Ended();
    }

    /// <summary>The message's last byte has been fed: complete only when the structure ended exactly there.</summary>
    public FrameStatus Finish() =>
        Problem is not null ? FrameStatus.InvalidData
        : remaining == 0 && stage == Stage.Done ? FrameStatus.Complete
        : Fail("the message ends inside its parameters or format codes");

    /// <summary>The shapes of the parameters just read, typed by the statement's declared parameter types (0 where undeclared).</summary>
    public ParameterShape[] Shapes(ReadOnlySpan<uint> declaredTypes)
    {
        if (parameterCount == 0)
        {
            return [];
        }

        var shapes = new ParameterShape[parameterCount];
        for (var parameter = 0; parameter < shapes.Length; parameter++)
        {
            var format = formatCount switch
            {
                0 => 0,
                1 => formats[0],
                _ => formats[parameter],
            };
            shapes[parameter] = new ParameterShape(parameter < declaredTypes.Length ? declaredTypes[parameter] : 0, lengths[parameter], format == 1);
        }

        return shapes;
    }

    private FrameStatus Ended()
    {
        if (remaining > 0)
        {
            return FrameStatus.NeedMoreData;
        }

        return stage == Stage.Done ? FrameStatus.Complete : Fail("the message ends inside its parameters or format codes");
    }

    private Stage NextParameter() => ++index == parameterCount ? Stage.ResultCount : Stage.ParameterLength;

    private FrameStatus Fail(string problem)
    {
        Problem = problem;
        return FrameStatus.InvalidData;
    }

    /// <summary>Reads a NUL-terminated name; false while it is incomplete (or too long: <see cref="Problem"/> is set).</summary>
    private bool TakeName(ref ReadOnlySpan<byte> data, ref byte[] name, ref int nameLength)
    {
        var end = data.IndexOf((byte)0);
        var part = end < 0 ? data : data[..end];
        if (nameLength + part.Length > maxNameLength)
        {
            Fail($"a portal or statement name longer than {maxNameLength} bytes");
            data = default;
            return false;
        }

        if (nameLength + part.Length > name.Length)
        {
            Array.Resize(ref name, Math.Max(name.Length * 2, nameLength + part.Length));
        }

        part.CopyTo(name.AsSpan(nameLength));
        nameLength += part.Length;
        data = end < 0 ? default : data[(end + 1)..];
        return end >= 0;
    }

    /// <summary>Reads a big-endian integer of 2 (unsigned, as PostgreSQL reads counts and codes) or 4 (signed) bytes across calls.</summary>
    private bool TakeInt(ref ReadOnlySpan<byte> data, int size, out int value)
    {
        while (scratchBytes < size && !data.IsEmpty)
        {
            scratch = (scratch << 8) | data[0];
            scratchBytes++;
            data = data[1..];
        }

        if (scratchBytes < size)
        {
            value = 0;
            return false;
        }

        value = scratch;
        scratch = 0;
        scratchBytes = 0;
        return true;
    }

    private static void Grow<T>(ref T[] array, int count)
    {
        if (array.Length < count)
        {
            array = new T[Math.Max(count, array.Length * 2)];
        }
    }
}
