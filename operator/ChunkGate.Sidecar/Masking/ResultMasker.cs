using System.Buffers;
using System.Buffers.Binary;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Masks what the server sends back in one session: plans each RowDescription once, then rewrites
/// DataRow, CopyData and ErrorResponse/NoticeResponse messages. One instance per connection (it owns
/// a keyed HMAC state); not thread-safe.
/// <para>
/// Data path contract for the proxy: after a RowDescription, call <see cref="Plan"/> once; if
/// <see cref="ColumnPlan.NeedsRewrite"/> is false forward the DataRows untouched, otherwise call
/// <see cref="MaskDataRow(ColumnPlan, ReadOnlySequence{byte}, IBufferWriter{byte})"/> for each one
/// and forward what it wrote instead of the original.
/// </para>
/// </summary>
internal sealed class ResultMasker(MaskingPolicy policy, MaskedColumnSet columns) : IDisposable
{
    /// <summary>Returned by the rewrite methods when the message is malformed; nothing was written.</summary>
    public const int Malformed = -1;

    private const byte DataRowCode = (byte)'D';
    private const byte CopyDataCode = (byte)'d';

    private readonly ValueHasher hasher = new(policy.HashKey);

    public MaskingPolicy Policy { get; } = policy;

    public MaskedColumnSet Columns { get; } = columns;

    /// <summary>
    /// Decides, once per RowDescription, what happens to each column: a column rule matched by
    /// (table OID, attribute number) masks it; a whole row of a table with masked columns becomes
    /// NULL; otherwise the detectors scan it unless its type
    /// cannot hold text. Returns <see cref="ColumnPlan.Empty"/>-like plans (NeedsRewrite false)
    /// when nothing can be masked.
    /// </summary>
    public ColumnPlan Plan(ReadOnlySpan<FieldDescription> fields)
    {
        if (fields.IsEmpty)
        {
            return ColumnPlan.Empty;
        }

        var planned = new PlannedColumn[fields.Length];
        var stale = false;
        for (var index = 0; index < fields.Length; index++)
        {
            var field = fields[index];
            var action = ColumnAction.PassThrough;
            MaskingStrategy strategy = default;
            if (Columns.TryGetStrategy(field.TableOid, field.ColumnAttributeNumber, out strategy))
            {
                action = ColumnAction.Mask;
            }
            else if (Columns.RowTypes.Count > 0 && Columns.RowTypes.Contains(field.TypeOid))
            {
                action = ColumnAction.Mask;
                strategy = MaskingStrategy.Null;
            }
            else if (Columns.IsStale(field.TableOid, field.ColumnAttributeNumber))
            {
                action = ColumnAction.Mask;
                strategy = MaskingStrategy.Null;
                stale = true;
            }
            else if (Policy.Detectors != DetectorKinds.None && !PgTypeOid.CannotHoldText(field.TypeOid))
            {
                action = ColumnAction.Scan;
            }

            // Extension string types (citext…) are masked exactly like text.
            var typeOid = Columns.TextTypes.Count > 0 && Columns.TextTypes.Contains(field.TypeOid) ? PgTypeOid.Text : field.TypeOid;
            planned[index] = new PlannedColumn(action, strategy, typeOid, field.TypeModifier, field.IsBinary);
        }

        return new ColumnPlan(planned, stale);
    }

    /// <summary>
    /// Writes the masked copy of one DataRow as a complete message (<c>'D'</c>, length, body) to
    /// <paramref name="output"/>. <paramref name="dataRowBody"/> is the body only (after the type
    /// byte and length). Returns the number of values masked, or <see cref="Malformed"/> when the
    /// body does not match the protocol or the plan (different column count): the proxy must then
    /// close the connection rather than forward the row.
    /// </summary>
    public int MaskDataRow(ColumnPlan plan, ReadOnlySequence<byte> dataRowBody, IBufferWriter<byte> output)
    {
        if (dataRowBody.IsSingleSegment)
        {
            return MaskDataRow(plan, dataRowBody.FirstSpan, output);
        }

        // A row larger than the read buffer arrives in many segments: values are copied from them
        // straight into the output, so a 60 MiB row is held twice (pipe and output), not three times.
        var reader = new SequenceReader<byte>(dataRowBody);
        if (!reader.TryReadBigEndian(out short count) || count != plan.ColumnCount)
        {
            return Malformed;
        }

        var destination = output.GetSpan(OutputBound(plan, dataRowBody.Length));
        destination[0] = DataRowCode;
        BinaryPrimitives.WriteInt16BigEndian(destination[5..], count);
        var written = 7;
        var masked = 0;
        foreach (var column in plan.Columns)
        {
            if (!reader.TryReadBigEndian(out int length) || length < -1 || reader.Remaining < length)
            {
                return Malformed;
            }

            if (length == -1)
            {
                BinaryPrimitives.WriteInt32BigEndian(destination[written..], -1);
                written += 4;
                continue;
            }

            var value = reader.UnreadSequence.Slice(0, length);
            reader.Advance(length);
            if (value.IsSingleSegment)
            {
                masked += WriteValue(column, value.FirstSpan, destination, ref written);
            }
            else if (column.Action == ColumnAction.Mask)
            {
                // Only a masked value straddling segments needs a contiguous copy of its own.
                var rented = ArrayPool<byte>.Shared.Rent(length);
                try
                {
                    value.CopyTo(rented);
                    masked += WriteValue(column, rented.AsSpan(0, length), destination, ref written);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
            else
            {
                value.CopyTo(destination[(written + 4)..]);
                masked += WriteCopied(column, length, destination, ref written);
            }
        }

        if (reader.Remaining != 0)
        {
            return Malformed;
        }

        BinaryPrimitives.WriteInt32BigEndian(destination[1..], written - 1);
        output.Advance(written);
        return masked;
    }

    /// <inheritdoc cref="MaskDataRow(ColumnPlan, ReadOnlySequence{byte}, IBufferWriter{byte})"/>
    public int MaskDataRow(ColumnPlan plan, ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        if (body.Length < 2 || BinaryPrimitives.ReadInt16BigEndian(body) != plan.ColumnCount)
        {
            return Malformed;
        }

        var destination = output.GetSpan(OutputBound(plan, body.Length));
        destination[0] = DataRowCode;
        body[..2].CopyTo(destination[5..]);
        var read = 2;
        var written = 7;
        var masked = 0;
        foreach (var column in plan.Columns)
        {
            if (body.Length - read < 4)
            {
                return Malformed;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(body[read..]);
            read += 4;
            if (length < 0)
            {
                if (length != -1)
                {
                    return Malformed;
                }

                BinaryPrimitives.WriteInt32BigEndian(destination[written..], -1);
                written += 4;
                continue;
            }

            if (body.Length - read < length)
            {
                return Malformed;
            }

            masked += WriteValue(column, body.Slice(read, length), destination, ref written);
            read += length;
        }

        if (read != body.Length)
        {
            return Malformed;
        }

        BinaryPrimitives.WriteInt32BigEndian(destination[1..], written - 1);
        output.Advance(written);
        return masked;
    }

    /// <summary>
    /// Masked values may be longer than the originals (a hash of a short string), never more than
    /// MaxOutputLength each; detector rewrites keep lengths.
    /// </summary>
    private static int OutputBound(ColumnPlan plan, long bodyLength) =>
        checked(5 + (int)bodyLength + (plan.MaskedColumnCount * MaskedValueWriter.MaxOutputLength));

    /// <summary>Writes one non-null value (length and bytes) at <paramref name="written"/>; returns 1 when it was masked.</summary>
    private int WriteValue(PlannedColumn column, ReadOnlySpan<byte> value, Span<byte> destination, ref int written)
    {
        if (column.Action == ColumnAction.Mask)
        {
            var maskedLength = MaskedValueWriter.Write(column.Strategy, column.TypeOid, column.TypeModifier, column.IsBinary, value, destination[(written + 4)..], hasher);
            BinaryPrimitives.WriteInt32BigEndian(destination[written..], maskedLength);
            written += 4 + Math.Max(maskedLength, 0);
            return 1;
        }

        value.CopyTo(destination[(written + 4)..]);
        return WriteCopied(column, value.Length, destination, ref written);
    }

    /// <summary>Finishes a scanned or passed-through value already copied after its length slot; returns 1 when the detectors masked it.</summary>
    private int WriteCopied(PlannedColumn column, int length, Span<byte> destination, ref int written)
    {
        if (column.Action != ColumnAction.Scan || ValueDetectors.MaskInPlace(destination.Slice(written + 4, length), Policy.Detectors) == 0)
        {
            BinaryPrimitives.WriteInt32BigEndian(destination[written..], length);
            written += 4 + length;
            return 0;
        }

        if (column.IsBinary && !PgTypeOid.IsPlainTextInBinary(column.TypeOid))
        {
            // Binary arrays, records and unknown types interleave text with length headers a
            // same-length rewrite could corrupt: the whole value becomes NULL.
            BinaryPrimitives.WriteInt32BigEndian(destination[written..], -1);
            written += 4;
            return 1;
        }

        BinaryPrimitives.WriteInt32BigEndian(destination[written..], length);
        written += 4 + length;
        return 1;
    }

    /// <summary>
    /// Writes the masked copy of one CopyData message of a <c>COPY … TO STDOUT</c> (one row, text or
    /// CSV format) as a complete message (<c>'d'</c>, length, body). <paramref name="plan"/> is the
    /// plan of the COPY's columns (see <see cref="CopyColumnDescriber"/>; text format for all).
    /// Returns the masked value count, or <see cref="Malformed"/> (binary format, or a row whose
    /// column count does not match the plan).
    /// </summary>
    public int MaskCopyData(ColumnPlan plan, CopyFormat format, byte delimiter, ReadOnlySpan<byte> copyDataBody, IBufferWriter<byte> output) =>
        format == CopyFormat.Binary ? Malformed : CopyRowMasker.Mask(plan, format, delimiter, copyDataBody, output, Policy.Detectors, hasher, CopyDataCode);

    /// <summary>
    /// Writes the masked copy of an ErrorResponse (<c>'E'</c>) or NoticeResponse (<c>'N'</c>) as a
    /// complete message. Text fields (message, detail, hint, context, internal query, where) are
    /// scanned by the detectors, and key/row values of masked columns in details
    /// (<c>Key (ssn)=(123-45-6789)</c>, <c>Failing row contains (…)</c>) are redacted. Returns the
    /// number of values masked or <see cref="Malformed"/>.
    /// </summary>
    public int MaskErrorOrNotice(byte messageCode, ReadOnlySequence<byte> body, IBufferWriter<byte> output, ReadOnlySpan<byte> clientText = default)
        => ErrorFieldMasker.Mask(messageCode, body, output, Policy.Detectors, Columns, clientText);

    public void Dispose() => hasher.Dispose();
}
