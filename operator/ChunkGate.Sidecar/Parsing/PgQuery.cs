using System.Buffers;
using System.Runtime.InteropServices;

namespace ChunkGate.Sidecar.Parsing;

/// <summary>
/// libpg_query: PostgreSQL 15's own parser as a C library (Debian <c>libpg-query1504.0</c>), so
/// the sidecar reads a statement exactly as the server will. Without it every statement is refused:
/// there is no second, hand-written reading to fall back to.
/// </summary>
internal static unsafe partial class PgQuery
{
    /// <summary>The runtime package's soname; the unversioned <c>libpg_query.so</c> comes only with the -dev package.</summary>
    private const string Library = "libpg_query.so.1504.0";

    [StructLayout(LayoutKind.Sequential)]
    private struct ParseResult
    {
        public byte* ParseTree;
        public byte* StderrBuffer;
        public Error* Error;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ScanResult
    {
        public nuint Length;
        public byte* Data;
        public byte* StderrBuffer;
        public Error* Error;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Error
    {
        public byte* Message;
        public byte* FunctionName;
        public byte* FileName;
        public int LineNumber;
        public int CursorPosition;
        public byte* Context;
    }

    [LibraryImport(Library, EntryPoint = "pg_query_parse")]
    private static partial ParseResult Parse(nint input);

    [LibraryImport(Library, EntryPoint = "pg_query_free_parse_result")]
    private static partial void Free(ParseResult result);

    [LibraryImport(Library, EntryPoint = "pg_query_scan")]
    private static partial ScanResult Scan(nint input);

    [LibraryImport(Library, EntryPoint = "pg_query_free_scan_result")]
    private static partial void Free(ScanResult result);

    /// <summary>
    /// Parses <paramref name="sql"/> (UTF-8, no NUL) and hands the JSON parse tree (or null and the
    /// parser's error message) to <paramref name="read"/> while the native buffer is alive.
    /// </summary>
    public static T ParseJson<T>(ReadOnlySpan<byte> sql, JsonReader<T> read) => WithCString(sql, read, static (input, read) =>
    {
        var result = Parse(input);
        try
        {
            return result.Error is not null
                ? read(default, Marshal.PtrToStringUTF8((nint)result.Error->Message) ?? "syntax error")
                : read(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(result.ParseTree), null);
        }
        finally
        {
            Free(result);
        }
    });

    /// <summary>The byte ranges of the tokens of <paramref name="sql"/> as PostgreSQL's lexer sees them, or null when it cannot.</summary>
    public static List<SqlToken>? Tokens(ReadOnlySpan<byte> sql) => WithCString(sql, 0, static (input, _) =>
    {
        var result = Scan(input);
        try
        {
            return result.Error is not null ? null : ScanTokens.Read(new ReadOnlySpan<byte>(result.Data, checked((int)result.Length)));
        }
        finally
        {
            Free(result);
        }
    });

    /// <summary>Runs <paramref name="call"/> on a NUL-terminated copy of <paramref name="sql"/>.</summary>
    private static TResult WithCString<TState, TResult>(ReadOnlySpan<byte> sql, TState state, Func<nint, TState, TResult> call)
    {
        var rented = ArrayPool<byte>.Shared.Rent(sql.Length + 1);
        try
        {
            sql.CopyTo(rented);
            rented[sql.Length] = 0;
            fixed (byte* input = rented)
            {
                return call((nint)input, state);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

/// <summary>Reads a parse tree (null on error) or the parser's error message.</summary>
internal delegate T JsonReader<out T>(ReadOnlySpan<byte> json, string? error);

/// <summary>One lexer token: its byte range in the statement and its kind (the character code for one-character tokens).</summary>
internal readonly record struct SqlToken(int Start, int End, int Kind);
