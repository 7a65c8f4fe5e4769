using ChunkGate.Sidecar.Parsing;

namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Words PostgreSQL itself puts in a message's placeholders when it names types and signatures
/// (<c>operator does not exist: text = integer</c>, <c>function foo(integer) does not exist</c>):
/// its keywords (as its own lexer reads them) and the built-in type names of pg_catalog.
/// </summary>
internal static class ServerVocabulary
{
    // gram.h numbering (libpg_query's ScanToken): every keyword comes after C_COMMENT (276).
    private const int FirstKeyword = 277;

    private static readonly HashSet<string> TypeNames = new(
        """
        aclitem any anyarray anycompatible anycompatiblearray anycompatiblemultirange anycompatiblenonarray anycompatiblerange
        anyelement anyenum anymultirange anynonarray anyrange bit bool box bpchar bytea char cid cidr circle cstring date
        datemultirange daterange event_trigger fdw_handler float4 float8 gtsvector index_am_handler inet int2 int2vector int4
        int4multirange int4range int8 int8multirange int8range internal interval json jsonb jsonpath language_handler line lseg
        macaddr macaddr8 money name numeric nummultirange numrange oid oidvector path pg_lsn pg_snapshot point polygon record
        refcursor regclass regcollation regconfig regdictionary regnamespace regoper regoperator regproc regprocedure regrole
        regtype table_am_handler text tid time timestamp timestamptz timetz trigger tsm_handler tsmultirange tsquery tsrange
        tstzmultirange tstzrange tsvector txid_snapshot unknown uuid varbit varchar void xid xid8 xml pg_catalog
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries),
        StringComparer.Ordinal);

    /// <summary>Whether <paramref name="word"/> (letters, digits, underscores) is a keyword or built-in type name, in PostgreSQL's lower case.</summary>
    public static bool Knows(string word)
    {
        if (TypeNames.Contains(word))
        {
            return true;
        }

        // Upper case is how the client would write a keyword, not how the server prints a type.
        if (word.Any(char.IsAsciiLetterUpper) || PgQuery.Tokens(System.Text.Encoding.UTF8.GetBytes(word)) is not [var token])
        {
            return false;
        }

        return token.Kind >= FirstKeyword && token.Start == 0 && token.End == word.Length;
    }
}
