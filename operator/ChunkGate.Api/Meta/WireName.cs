using System.Reflection;
using System.Text.Json.Serialization;

namespace ChunkGate.Api.Meta;

/// <summary>
/// An enum member's name on the wire, read from its <see cref="JsonStringEnumMemberNameAttribute"/>
/// (the serializer's source of truth), so messages and the CRD schema never drift from it.
/// </summary>
public static class WireName
{
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => Of(typeof(TEnum), value.ToString());

    public static string Of(Type enumType, string memberName) =>
        enumType.GetField(memberName)?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? memberName;
}
