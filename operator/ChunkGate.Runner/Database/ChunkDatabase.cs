using System.Data;
using ChunkGate.Api.Jobs;
using ChunkGate.Runner.Configuration;
using ChunkGate.Runner.Output;
using Npgsql;
using NpgsqlTypes;

namespace ChunkGate.Runner.Database;

/// <summary>
/// The runner's one connection (through the sidecar) and the statements it sends: the key range,
/// the keyset probe and the job's statement, prepared once and executed per chunk with $1/$2 bound
/// as bigint.
/// </summary>
internal sealed class ChunkDatabase : IAsyncDisposable
{
    private readonly NpgsqlConnection connection;
    private readonly NpgsqlCommand statement;
    private readonly NpgsqlCommand probe;
    private readonly string table;
    private readonly string key;
    private readonly List<ResultColumn> columns = [];
    private byte[] field = new byte[1024];

    private ChunkDatabase(NpgsqlConnection connection, ChunkJobSpec spec)
    {
        this.connection = connection;
        // Both names passed the API's identifier rules (lower-case or double-quoted), so they are SQL as written.
        table = spec.Chunking.Table;
        key = spec.Chunking.KeyColumn;
        statement = Bounded(spec.Query);
        // Values as PostgreSQL prints them (text format), so the output is what COPY would write, for every type.
        statement.AllResultTypesAreUnknown = true;
        probe = Bounded($"SELECT min({key})::bigint FROM {table} WHERE {key} >= $1", upper: false);
    }

    /// <summary>Opens the connection; Npgsql's exceptions (unreachable, credential refused) pass to the caller.</summary>
    public static async Task<ChunkDatabase> OpenAsync(DatabaseEndpoint endpoint, ChunkJobSpec spec, CancellationToken cancellationToken)
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
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new ChunkDatabase(connection, spec);
    }

    /// <summary>min and max of the chunk key; null for an empty table.</summary>
    public async Task<(long Min, long Max)?> KeyRangeAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT min({key})::bigint, max({key})::bigint FROM {table}", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return reader.IsDBNull(0) ? null : (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The lowest key at or above <paramref name="from"/> (one index probe); null when there is none.</summary>
    public async Task<long?> NextKeyAsync(long from, CancellationToken cancellationToken)
    {
        probe.Parameters[0].Value = from;
        return await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long found ? found : null;
    }

    /// <summary>read/export: streams the chunk's rows into <paramref name="sink"/> row by row; returns the row count.</summary>
    public async Task<long> ReadChunkAsync(long from, long to, IRowFormatter formatter, RowSink sink, CancellationToken cancellationToken)
    {
        await BindAsync(from, to, cancellationToken).ConfigureAwait(false);
        await using var reader = await statement.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        columns.Clear();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            columns.Add(new ResultColumn(reader.GetName(i), reader.GetDataTypeOID(i)));
        }

        formatter.Begin(columns, sink);
        var rows = 0L;
        var count = columns.Count;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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

    /// <summary>write/transform: the statement in its own transaction, committed before this returns; returns the rows it affected.</summary>
    public async Task<long> WriteChunkAsync(long from, long to, CancellationToken cancellationToken)
    {
        await BindAsync(from, to, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        statement.Transaction = transaction;
        var affected = await statement.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        statement.Transaction = null;
        return Math.Max(0, affected);
    }

    public async ValueTask DisposeAsync()
    {
        await statement.DisposeAsync().ConfigureAwait(false);
        await probe.DisposeAsync().ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The value's text as the server sent it, copied into one reused buffer.</summary>
    private ReadOnlySpan<byte> Field(NpgsqlDataReader reader, int ordinal)
    {
        using var stream = reader.GetStream(ordinal);
        var length = 0;
        while (true)
        {
            if (length == field.Length)
            {
                Array.Resize(ref field, field.Length * 2);
            }

            var read = stream.Read(field, length, field.Length - length);
            if (read == 0)
            {
                return field.AsSpan(0, length);
            }

            length += read;
        }
    }

    private async Task BindAsync(long from, long to, CancellationToken cancellationToken)
    {
        if (!statement.IsPrepared)
        {
            // Parsed (and judged by the sidecar) once, executed per chunk.
            await statement.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }

        statement.Parameters[0].Value = from;
        statement.Parameters[1].Value = to;
    }

    private NpgsqlCommand Bounded(string sql, bool upper = true)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = 0L });
        if (upper)
        {
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = 0L });
        }

        return command;
    }
}
