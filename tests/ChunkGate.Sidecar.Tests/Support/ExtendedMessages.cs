using System.Text;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>Extended-protocol messages built byte by byte, for raw protocol tests.</summary>
internal static class ExtendedMessages
{
    public static byte[] CString(string text) => [.. Encoding.UTF8.GetBytes(text), 0];

    public static byte[] Int16(int value) => [(byte)(value >> 8), (byte)value];

    public static byte[] Parse(string name, string sql, params uint[] parameterTypes) =>
        RawProtocolClient.Message('P', [.. CString(name), .. CString(sql), .. Int16(parameterTypes.Length), .. parameterTypes.SelectMany(t => RawProtocolClient.BigEndian((int)t))]);

    /// <summary>A Bind; a null value is sent as length -1.</summary>
    public static byte[] Bind(string portal, string statement, short[] formats, params byte[]?[] values) =>
        RawProtocolClient.Message('B', [
            .. CString(portal), .. CString(statement),
            .. Int16(formats.Length), .. formats.SelectMany(f => Int16(f)),
            .. Int16(values.Length), .. values.SelectMany(v => v is null ? RawProtocolClient.BigEndian(-1) : [.. RawProtocolClient.BigEndian(v.Length), .. v]),
            .. Int16(0),
        ]);

    public static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    public static byte[] Execute(string portal = "", int maxRows = 0) => RawProtocolClient.Message('E', [.. CString(portal), .. RawProtocolClient.BigEndian(maxRows)]);

    public static byte[] Describe(char kind, string name) => RawProtocolClient.Message('D', [(byte)kind, .. CString(name)]);

    public static byte[] Close(char kind, string name) => RawProtocolClient.Message('C', [(byte)kind, .. CString(name)]);

    public static byte[] Sync() => RawProtocolClient.Message('S', []);

    /// <summary>Parse (unnamed), Bind (unnamed, no parameters), Execute: one statement of a pipeline.</summary>
    public static byte[] Run(string sql) => [.. Parse(string.Empty, sql), .. Bind(string.Empty, string.Empty, []), .. Execute()];
}
