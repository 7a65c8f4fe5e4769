namespace ChunkGate.Sidecar.Parsing;

/// <summary>
/// Decodes libpg_query's <c>ScanResult</c> protobuf (<c>repeated ScanToken tokens = 2</c>, each
/// <c>start = 1, end = 2, token = 4</c>): just enough protobuf for the three integers we use.
/// </summary>
internal static class ScanTokens
{
    public static List<SqlToken>? Read(ReadOnlySpan<byte> message)
    {
        var tokens = new List<SqlToken>();
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message, ref position);
            if (key == (2 << 3 | 2))
            {
                var length = (int)Varint(message, ref position);
                if (length < 0 || position + length > message.Length)
                {
                    return null;
                }

                tokens.Add(Token(message.Slice(position, length)));
                position += length;
            }
            else if ((key & 7) == 0)
            {
                Varint(message, ref position);
            }
            else
            {
                return null;
            }
        }

        return tokens;
    }

    private static SqlToken Token(ReadOnlySpan<byte> message)
    {
        int start = 0, end = 0, kind = 0, position = 0;
        while (position < message.Length)
        {
            var key = Varint(message, ref position);
            var value = (key & 7) == 0 ? (int)Varint(message, ref position) : 0;
            switch (key >> 3)
            {
                case 1: start = value; break;
                case 2: end = value; break;
                case 4: kind = value; break;
            }
        }

        return new SqlToken(start, end, kind);
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; position < data.Length && shift < 64; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                break;
            }
        }

        return value;
    }
}
