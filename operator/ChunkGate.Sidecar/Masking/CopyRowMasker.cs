using System.Buffers;
using System.Buffers.Binary;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Rewrites one row of <c>COPY … TO STDOUT</c> output in text or CSV format: masked columns are
/// unescaped, masked with the text-format strategy and escaped again; scanned columns are masked
/// in place by the detectors.
/// </summary>
internal static class CopyRowMasker
{
    // Scratch for a masked value (raw, then masked) up to this size lives on the stack: renting it per row cost as much as masking the value.
    private const int StackScratch = 1024;

    public static int Mask(ColumnPlan plan, CopyFormat format, byte delimiter, ReadOnlySpan<byte> row, IBufferWriter<byte> output, DetectorKinds detectors, ValueHasher hasher, byte messageCode)
    {
        var csv = format == CopyFormat.Csv;
        var content = row;
        var terminator = 0;
        if (content.Length > 0 && content[^1] == (byte)'\n')
        {
            terminator = content.Length > 1 && content[^2] == (byte)'\r' ? 2 : 1;
            content = content[..^terminator];
        }

        // Escaping can at most double every byte.
        var bound = 5 + (2 * (row.Length + (plan.MaskedColumnCount * MaskedValueWriter.MaxOutputLength)));
        var destination = output.GetSpan(bound);
        destination[0] = messageCode;
        var written = 5;
        var masked = 0;
        var columnIndex = 0;
        var position = 0;
        var scratchLength = 2 * (Math.Max(content.Length, MaskedValueWriter.MaxOutputLength) + MaskedValueWriter.MaxOutputLength);
        byte[]? rented = null;
        Span<byte> scratch = plan.MaskedColumnCount == 0 ? default
            : scratchLength <= StackScratch ? stackalloc byte[StackScratch]
            : rented = ArrayPool<byte>.Shared.Rent(scratchLength);
        try
        {
            while (true)
            {
                if (columnIndex >= plan.ColumnCount)
                {
                    return ResultMasker.Malformed;
                }

                var fieldEnd = csv ? FindCsvFieldEnd(content, position, delimiter) : FindTextFieldEnd(content, position, delimiter);
                if (fieldEnd < 0)
                {
                    return ResultMasker.Malformed;
                }

                var field = content[position..fieldEnd];
                var column = plan[columnIndex];
                var isNull = csv ? field.IsEmpty : field.SequenceEqual("\\N"u8);
                if (isNull || column.Action == ColumnAction.PassThrough)
                {
                    field.CopyTo(destination[written..]);
                    written += field.Length;
                }
                else if (column.Action == ColumnAction.Scan)
                {
                    var copy = destination.Slice(written, field.Length);
                    field.CopyTo(copy);
                    written += field.Length;
                    if (ValueDetectors.MaskInPlace(copy, detectors) > 0)
                    {
                        masked++;
                    }
                }
                else
                {
                    var half = scratch.Length / 2;
                    var raw = scratch[..half];
                    var rawLength = csv ? CsvUnquote(field, raw) : TextUnescape(field, raw);
                    var maskedLength = MaskedValueWriter.Write(column.Strategy, column.TypeOid, column.TypeModifier, binary: false, raw[..rawLength], scratch[half..], hasher);
                    if (maskedLength < 0)
                    {
                        if (!csv)
                        {
                            "\\N"u8.CopyTo(destination[written..]);
                            written += 2;
                        }
                    }
                    else
                    {
                        var value = scratch.Slice(half, maskedLength);
                        written += csv ? CsvQuote(value, delimiter, destination[written..]) : TextEscape(value, delimiter, destination[written..]);
                    }

                    masked++;
                }

                columnIndex++;
                if (fieldEnd == content.Length)
                {
                    break;
                }

                destination[written++] = delimiter;
                position = fieldEnd + 1;
            }

            if (columnIndex != plan.ColumnCount)
            {
                return ResultMasker.Malformed;
            }

            row[content.Length..].CopyTo(destination[written..]);
            written += terminator;
            BinaryPrimitives.WriteInt32BigEndian(destination[1..], written - 1);
            output.Advance(written);
            return masked;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int FindTextFieldEnd(ReadOnlySpan<byte> content, int start, byte delimiter)
    {
        for (var index = start; index < content.Length; index++)
        {
            if (content[index] == (byte)'\\')
            {
                index++;
            }
            else if (content[index] == delimiter)
            {
                return index;
            }
        }

        return content.Length;
    }

    /// <summary>The next delimiter outside quotes (PostgreSQL refuses a delimiter equal to the quote), jumping between the bytes that matter.</summary>
    private static int FindCsvFieldEnd(ReadOnlySpan<byte> content, int start, byte delimiter)
    {
        var quoted = false;
        var index = start;
        while (true)
        {
            var rest = content[index..];
            var next = quoted ? rest.IndexOf((byte)'"') : rest.IndexOfAny((byte)'"', delimiter);
            if (next < 0)
            {
                return quoted ? -1 : content.Length;
            }

            index += next;
            if (content[index] != (byte)'"')
            {
                return index;
            }

            quoted = !quoted;
            index++;
        }
    }

    private static int TextUnescape(ReadOnlySpan<byte> field, Span<byte> destination)
    {
        var written = 0;
        for (var index = 0; index < field.Length; index++)
        {
            var c = field[index];
            if (c == (byte)'\\' && index + 1 < field.Length)
            {
                index++;
                c = field[index] switch
                {
                    (byte)'t' => (byte)'\t',
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    (byte)'v' => (byte)'\v',
                    var other => other,
                };
            }

            destination[written++] = c;
        }

        return written;
    }

    private static int TextEscape(ReadOnlySpan<byte> value, byte delimiter, Span<byte> destination)
    {
        var written = 0;
        foreach (var c in value)
        {
            var escaped = c switch
            {
                (byte)'\\' => (byte)'\\',
                (byte)'\t' => (byte)'t',
                (byte)'\n' => (byte)'n',
                (byte)'\r' => (byte)'r',
                _ => c == delimiter ? c : (byte)0,
            };
            if (escaped != 0)
            {
                destination[written++] = (byte)'\\';
                destination[written++] = escaped;
            }
            else
            {
                destination[written++] = c;
            }
        }

        return written;
    }

    private static int CsvUnquote(ReadOnlySpan<byte> field, Span<byte> destination)
    {
        if (field.Length < 2 || field[0] != (byte)'"')
        {
            field.CopyTo(destination);
            return field.Length;
        }

        var written = 0;
        var inner = field[1..^1];
        for (var index = 0; index < inner.Length; index++)
        {
            destination[written++] = inner[index];
            if (inner[index] == (byte)'"' && index + 1 < inner.Length && inner[index + 1] == (byte)'"')
            {
                index++;
            }
        }

        return written;
    }

    private static int CsvQuote(ReadOnlySpan<byte> value, byte delimiter, Span<byte> destination)
    {
        var needsQuotes = value.IsEmpty || value.IndexOfAny((byte)'"', (byte)'\n', (byte)'\r') >= 0 || value.Contains(delimiter);
        if (!needsQuotes)
        {
            value.CopyTo(destination);
            return value.Length;
        }

        var written = 0;
        destination[written++] = (byte)'"';
        foreach (var c in value)
        {
            destination[written++] = c;
            if (c == (byte)'"')
            {
                destination[written++] = (byte)'"';
            }
        }

        destination[written++] = (byte)'"';
        return written;
    }
}
