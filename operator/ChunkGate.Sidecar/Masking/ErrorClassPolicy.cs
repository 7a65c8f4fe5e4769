namespace ChunkGate.Sidecar.Masking;

/// <summary>
/// Which SQLSTATE classes keep the server's words under column rules. Default deny: only classes
/// whose messages PostgreSQL builds from the client's own statement or from server state (names,
/// connections, transactions, resources), never from a value read. Every other class (22 data
/// exceptions, 54 limits such as <c>chr()</c>'s "too large: 123456789", XX internal…) gets a fixed
/// text that keeps the SQLSTATE.
/// </summary>
internal static class ErrorClassPolicy
{
    private static readonly string[] Kept =
    [
        "00", // successful completion: "… does not exist, skipping" notices
        "01", // warnings
        "08", // connection exception
        "0A", // feature not supported
        "23", // integrity constraint: names from the catalog; key values are redacted separately
        "25", // invalid transaction state
        "28", // invalid authorization
        "3D", // invalid catalog name
        "3F", // invalid schema name
        "40", // transaction rollback
        "42", // syntax error or access rule violation
        "53", // insufficient resources
        "57", // operator intervention
    ];

    public static bool KeepsMessage(ReadOnlySpan<byte> sqlState)
    {
        if (sqlState.Length != 5)
        {
            return false;
        }

        foreach (var kept in Kept)
        {
            if (sqlState[0] == kept[0] && sqlState[1] == kept[1])
            {
                return true;
            }
        }

        return false;
    }
}
