using ChunkGate.Api.Jobs;
using ChunkGate.Runner.Configuration;
using ChunkGate.Runner.Output;
using Npgsql;
using NpgsqlTypes;

namespace ChunkGate.Runner.Database;

/// <summary>
/// The runner's one connection (through the sidecar) and the statements it sends: the key range,
/// the keyset probes and the job's statement, prepared once and executed per chunk with $1/$2 bound
/// as bigint.
/// </summary>
/// <remarks>
/// Synchronous: one flow of rows needs no concurrency, and the asynchronous version spent most of
/// its CPU in thread-pool hops and spinning (profiled). Npgsql's socket is still non-blocking
/// (strace: about a third of recvmsg calls return EAGAIN), so each read that waits is woken by the
/// epoll thread, inline since Program sets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS.
/// Expiry and SIGTERM cancel the statement in flight through PostgreSQL's cancel request.
/// </remarks>
internal sealed class ChunkDatabase : IDisposable
{
    private readonly NpgsqlDataSource source;
    private readonly NpgsqlConnection connection;
    private readonly NpgsqlCommand statement;
    private readonly NpgsqlCommand probe;
    private readonly string table;
    private readonly string key;
    private readonly QueryTemplate? copyTemplate;
    private readonly List<ResultColumn> columns = [];
    private byte[] field = new byte[1024];

    private ChunkDatabase(NpgsqlDataSource source, NpgsqlConnection connection, ChunkJobSpec spec, QueryTemplate? copyTemplate)
    {
        this.copyTemplate = copyTemplate;
        this.source = source;
        this.connection = connection;
        // Both names passed the API's identifier rules (lower-case or double-quoted), so they are SQL as written.
        table = spec.Chunking.Table;
        key = spec.Chunking.KeyColumn;
        statement = Bounded(spec.Query, 2);
        // Values as PostgreSQL prints them (text format), so the output is what COPY would write, for every type.
        statement.AllResultTypesAreUnknown = true;
        // One index probe per bound, all in one round trip, answered in the bounds' order.
        probe = new NpgsqlCommand(
            $"SELECT (SELECT min({key})::bigint FROM {table} WHERE {key} >= chunkgate_bounds.bound) FROM unnest($1::bigint[]) WITH ORDINALITY AS chunkgate_bounds(bound, n) ORDER BY chunkgate_bounds.n",
            connection);
        probe.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = Array.Empty<long>() });
    }

    /// <summary>Opens the connection; Npgsql's exceptions (unreachable, credential refused) pass to the caller.</summary>
    /// <param name="copyTemplate">For a CSV export: the query to run inside COPY; null for row-by-row reads.</param>
    public static ChunkDatabase Open(DatabaseEndpoint endpoint, ChunkJobSpec spec, QueryTemplate? copyTemplate)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            Database = endpoint.Database,
            Username = endpoint.User,
            Password = endpoint.Password,
            SslMode = Enum.Parse<SslMode>(endpoint.SslMode.Replace("-", "", StringComparison.Ordinal), ignoreCase: true),
            // One connection for the whole run: the role's connection limit counts one per shard.
            Pooling = false,
            Timeout = 15,
            // A chunk runs as long as it needs; the approval's expiry bounds it.
            CommandTimeout = 0,
            Enlist = false,
            // Fewer, larger reads for a stream of small rows (64 KiB was about 5 % slower on a 1M-row
            // export through the sidecar, interleaved runs).
            ReadBufferSize = 128 * 1024,
        };
        var sourceBuilder = new NpgsqlSlimDataSourceBuilder(builder.ConnectionString);
        // Values are read as text and never converted, so Npgsql needs no types from the catalog (one query and much start-up work less).
        sourceBuilder.ConfigureTypeLoading(typeLoading => typeLoading.EnableTypeLoading(false));
        // The keyset probes bind their bounds as one bigint[].
        sourceBuilder.EnableArrays();
        var source = sourceBuilder.Build();
        try
        {
            return new ChunkDatabase(source, source.OpenConnection(), spec, copyTemplate);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>min and max of the chunk key; null for an empty table.</summary>
    public (long Min, long Max)? KeyRange(CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand($"SELECT min({key})::bigint, max({key})::bigint FROM {table}", connection);
        using var cancel = OnCancel(cancellationToken, command.Cancel);
        using var reader = command.ExecuteReader();
        reader.Read();
        return reader.IsDBNull(0) ? null : (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>For each of <paramref name="bounds"/>, the lowest key at or above it (one index probe each, one query for all); null where there is none.</summary>
    public IReadOnlyList<long?> NextKeys(IReadOnlyList<long> bounds, CancellationToken cancellationToken)
    {
        probe.Parameters[0].Value = bounds.ToArray();
        using var cancel = OnCancel(cancellationToken, probe.Cancel);
        using var reader = probe.ExecuteReader();
        var keys = new List<long?>(bounds.Count);
        while (reader.Read())
        {
            keys.Add(reader.IsDBNull(0) ? null : reader.GetInt64(0));
        }

        return keys.Count == bounds.Count ? keys : throw new InvalidOperationException($"the keyset probe answered {keys.Count} of {bounds.Count} bounds");
    }

    /// <summary>read/export: streams the chunk's rows into <paramref name="sink"/> row by row; returns the row count.</summary>
    public long ReadChunk(long from, long to, IRowFormatter formatter, RowSink sink, CancellationToken cancellationToken)
    {
        Bind(from, to);
        using var cancel = OnCancel(cancellationToken, statement.Cancel);
        using var reader = statement.ExecuteReader();
        columns.Clear();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            columns.Add(new ResultColumn(reader.GetName(i), reader.GetDataTypeOID(i)));
        }

        formatter.Begin(columns, sink);
        var rows = 0L;
        var count = columns.Count;
        while (reader.Read())
        {
            for (var i = 0; i < count; i++)
            {
                if (reader.IsDBNull(i))
                {
                    formatter.Value(i, default, isNull: true, sink);
                }
                else
                {
                    formatter.Value(i, Field(reader, i), isNull: false, sink);
                }
            }

            formatter.EndRow(sink);
            rows++;
        }

        return rows;
    }

    /// <summary>
    /// export as CSV: the chunk through <c>COPY (query) TO STDOUT (FORMAT csv)</c>, the server writing
    /// the CSV (measured: a third of the runner's CPU per row, and the sidecar masks COPY data as it
    /// masks rows). The bounds are written in as constants (<see cref="QueryTemplate"/>); COPY takes no parameters.
    /// </summary>
    public long CopyChunk(long from, long to, bool header, CopyCsvStream copy, RowSink sink, CancellationToken cancellationToken)
    {
        var sql = $"COPY ({copyTemplate!.Render(from, to)}) TO STDOUT WITH (FORMAT csv, HEADER {(header ? "true" : "false")})";
        // Npgsql's raw copy refuses a text COPY, so the text export is opened and its stream of raw
        // CopyData bytes read beneath the reader (which is never read, so it buffers nothing).
        using var reader = (NpgsqlCopyTextReader)connection.BeginTextExport(sql);
        using var cancel = OnCancel(cancellationToken, reader.Cancel);
        return copy.Copy(reader.BaseStream, header, sink);
    }

    /// <summary>write/transform: the statement in its own transaction, committed before this returns; returns the rows it affected.</summary>
    public long WriteChunk(long from, long to, CancellationToken cancellationToken)
    {
        Bind(from, to);
        using var cancel = OnCancel(cancellationToken, statement.Cancel);
        using var transaction = connection.BeginTransaction();
        statement.Transaction = transaction;
        var affected = statement.ExecuteNonQuery();
        transaction.Commit();
        statement.Transaction = null;
        return Math.Max(0, affected);
    }

    public void Dispose()
    {
        statement.Dispose();
        probe.Dispose();
        connection.Dispose();
        source.Dispose();
    }

    /// <summary>The value's text as the server sent it, copied into one reused buffer.</summary>
    private ReadOnlySpan<byte> Field(NpgsqlDataReader reader, int ordinal)
    {
        var length = (int)reader.GetBytes(ordinal, 0, null, 0, 0);
        if (field.Length < length)
        {
            field = new byte[Math.Max(length, field.Length * 2)];
        }

        reader.GetBytes(ordinal, 0, field, 0, length);
        return field.AsSpan(0, length);
    }

    /// <summary>
    /// Cancels the statement in flight (PostgreSQL's cancel request) off the canceller's thread: the
    /// expiry timer must not wait in Npgsql while this thread is blocked reading.
    /// </summary>
    private static CancellationTokenRegistration OnCancel(CancellationToken token, Action cancel) =>
        token.Register(() => _ = Task.Run(cancel));

    private void Bind(long from, long to)
    {
        if (!statement.IsPrepared)
        {
            // Parsed (and judged by the sidecar) once, executed per chunk.
            statement.Prepare();
        }

        statement.Parameters[0].Value = from;
        statement.Parameters[1].Value = to;
    }

    private NpgsqlCommand Bounded(string sql, int parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        for (var i = 0; i < parameters; i++)
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = 0L });
        }

        return command;
    }
}
