using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using ChunkGate.Sidecar.Masking;
using ChunkGate.Sidecar.Recording;

namespace ChunkGate.Benchmarks.Masking;

/// <summary>
/// CPU cost of the masking engine alone, without sockets: DataRow rewriting with two masked columns
/// (last4 + hash, with and without the detectors scanning the other text columns; last4 + redact),
/// detector scanning speed, and
/// how many events per second the recorder absorbs. Complements the end-to-end sidecar suite.
/// </summary>
internal sealed class MaskingBenchSuite : IBenchSuite
{
    private const int Rows = 1_000_000;

    public string Name => "masking";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        var key = Encoding.ASCII.GetBytes("bench-key-bench-key-bench-key");
        var columns = new MaskedColumnSet([new((1u, (short)2), MaskingStrategy.Last4), new((1u, (short)3), MaskingStrategy.Hash)], ["ssn", "email"]);
        var cheapColumns = new MaskedColumnSet([new((1u, (short)2), MaskingStrategy.Last4), new((1u, (short)3), MaskingStrategy.Redact)], ["ssn", "email"]);
        FieldDescription[] fields =
        [
            new(1, 1, PgTypeOid.Int4, 4, -1, 1),
            new(1, 2, PgTypeOid.Text, -1, -1, 1),
            new(1, 3, PgTypeOid.Text, -1, -1, 1),
            new(1, 4, PgTypeOid.Text, -1, -1, 1),
            new(1, 5, PgTypeOid.Timestamptz, 8, -1, 1),
        ];
        var row = Row();

        foreach (var (label, detectors, rules) in new[]
        {
            ("two_masked", DetectorKinds.None, columns),
            ("two_masked_detectors", DetectorKinds.All, columns),
            ("last4_redact_detectors", DetectorKinds.All, cheapColumns),
        })
        {
            using var masker = new ResultMasker(new MaskingPolicy([], detectors, key), rules);
            var plan = masker.Plan(fields);
            var output = new ArrayBufferWriter<byte>(1 << 20);

            // Warm up so tiered compilation has settled before timing.
            for (var index = 0; index < 100_000; index++)
            {
                output.ResetWrittenCount();
                masker.MaskDataRow(plan, row, output);
            }

            output.ResetWrittenCount();
            var stopwatch = Stopwatch.StartNew();
            long masked = 0;
            for (var index = 0; index < Rows; index++)
            {
                if (output.FreeCapacity < 1024)
                {
                    output.ResetWrittenCount();
                }

                masked += masker.MaskDataRow(plan, row, output);
            }

            stopwatch.Stop();
            report.Figure($"masking.datarow.{label}.rows_per_s", Rows / stopwatch.Elapsed.TotalSeconds);
            report.Figure($"masking.datarow.{label}.ns_per_row", stopwatch.Elapsed.TotalNanoseconds / Rows);
            report.Note($"{label}: {masked} values masked over {Rows} rows of {row.Length} bytes");
        }

        // A CSV COPY row as the runner bench exports it (id, name, ssn, email, amount): last4 and hash, detectors on the name.
        using (var masker = new ResultMasker(new MaskingPolicy([], DetectorKinds.All, key), columns))
        {
            FieldDescription[] copyFields =
            [
                new(1, 1, PgTypeOid.Int8, -1, -1, 0),
                new(1, 4, PgTypeOid.Text, -1, -1, 0),
                new(1, 2, PgTypeOid.Text, -1, -1, 0),
                new(1, 3, PgTypeOid.Text, -1, -1, 0),
                new(1, 5, PgTypeOid.Numeric, -1, -1, 0),
            ];
            var plan = masker.Plan(copyFields);
            var copyRows = Enumerable.Range(0, 1024)
                .Select(index => Encoding.ASCII.GetBytes($"{500_000 + index},customer {500_000 + index},{index % 900:000}-{index % 90:00}-{index % 10_000:0000},user{500_000 + index}@example.com,{(500_000 + index) / 100.0:0.00}\n"))
                .ToArray();
            var output = new ArrayBufferWriter<byte>(1 << 20);
            long masked = 0;
            for (var pass = 0; pass < 2; pass++)
            {
                // The first pass warms up tiered compilation.
                var stopwatch = Stopwatch.StartNew();
                for (var index = 0; index < Rows; index++)
                {
                    if (output.FreeCapacity < 1024)
                    {
                        output.ResetWrittenCount();
                    }

                    masked += masker.MaskCopyData(plan, CopyFormat.Csv, (byte)',', copyRows[index & 1023], output);
                }

                stopwatch.Stop();
                if (pass == 1)
                {
                    report.Figure("masking.copydata.csv_last4_hash_detectors.ns_per_row", stopwatch.Elapsed.TotalNanoseconds / Rows);
                }
            }
        }

        // The hash strategy's keyed HMAC alone, on an e-mail-sized value: the largest part of a hashed column's cost.
        using (var hasher = new ValueHasher(key))
        {
            var value = "user123456@example.com"u8.ToArray();
            var digest = new byte[ValueHasher.HashLength];
            const int Hashes = 2_000_000;
            for (var index = 0; index < Hashes / 10; index++)
            {
                hasher.Hash(value, digest);
            }

            var hashWatch = Stopwatch.StartNew();
            for (var index = 0; index < Hashes; index++)
            {
                hasher.Hash(value, digest);
            }

            report.Figure("masking.hash.ns_per_value", hashWatch.Elapsed.TotalNanoseconds / Hashes);
            report.Note($"hash backend: {(hasher.IsNative ? "OpenSSL SHA256_Transform" : "platform HMAC")}");
        }

        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Customer note: called on 2024-01-15 about order 88123, phone 555-123-4567. ", 14)));
        var copy = new byte[text.Length];
        var scans = 200_000;
        var scanWatch = Stopwatch.StartNew();
        for (var index = 0; index < scans; index++)
        {
            text.CopyTo(copy, 0);
            ValueDetectors.MaskInPlace(copy, DetectorKinds.All);
        }

        scanWatch.Stop();
        report.Figure("masking.detectors.mb_per_s", (double)text.Length * scans / (1024 * 1024) / scanWatch.Elapsed.TotalSeconds);

        var recorder = new SessionRecorder(Stream.Null, new StatementTextMasker(columns, DetectorKinds.All), TimeProvider.System, capacity: 1 << 16);
        var statements = 100_000;
        var session = recorder.StartSession(new SessionInfo(User: "bench"));
        var recordWatch = Stopwatch.StartNew();
        for (var index = 0; index < statements; index++)
        {
            var statement = session.StatementStarted("SELECT id, ssn FROM customers WHERE id = $1", StatementProtocol.Extended, [new ParameterShape(PgTypeOid.Int4, 4, true)]);
            session.StatementCompleted(statement, new StatementOutcome("SELECT 1", 1, 64, 1));
        }

        var enqueued = recordWatch.Elapsed;
        await recorder.DisposeAsync();
        recordWatch.Stop();
        report.Figure("masking.recorder.enqueue_ns_per_event", enqueued.TotalNanoseconds / (2.0 * statements));
        report.Figure("masking.recorder.events_per_s", recorder.WrittenEvents / recordWatch.Elapsed.TotalSeconds);
        report.Figure("masking.recorder.dropped", recorder.DroppedEvents);
    }

    /// <summary>One DataRow body: id, ssn, email, a free-text note and a timestamp, binary format.</summary>
    private static ReadOnlySequence<byte> Row()
    {
        var values = new byte[][]
        {
            [0, 0, 0x30, 0x39],
            "123-45-6789"u8.ToArray(),
            "jane.doe@example.com"u8.ToArray(),
            "Prefers e-mail contact. Last order 88123 shipped 2024-01-15."u8.ToArray(),
            [0, 2, 0xB1, 0x2C, 0x7D, 0x1A, 0x40, 0x00],
        };
        var body = new byte[2 + values.Sum(value => 4 + value.Length)];
        BinaryPrimitives.WriteInt16BigEndian(body, (short)values.Length);
        var position = 2;
        foreach (var value in values)
        {
            BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(position), value.Length);
            value.CopyTo(body, position + 4);
            position += 4 + value.Length;
        }

        return new ReadOnlySequence<byte>(body);
    }
}
