using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;

namespace ChunkGate.LocalCluster.Http;

/// <summary>
/// Decodes the Kubernetes protobuf request bodies kubectl's typed clients send
/// (<c>kubectl create configmap|secret|namespace|serviceaccount</c>): the <c>k8s\0</c> envelope around a
/// runtime.Unknown, and those kinds' generated.proto fields. Other kinds answer 415, which never
/// happens with kubectl's JSON paths (apply, create -f, patch, replace).
/// </summary>
internal static class ProtobufBodies
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw Unsupported();
        }

        string apiVersion = "", kind = "";
        ReadOnlySpan<byte> raw = default;
        var envelope = new Reader(body[Magic.Length..]);
        while (envelope.Next(out var field, out var value, out _))
        {
            if (field == 1)
            {
                var typeMeta = new Reader(value);
                while (typeMeta.Next(out var f, out var v, out _))
                {
                    if (f == 1)
                    {
                        apiVersion = Encoding.UTF8.GetString(v);
                    }
                    else if (f == 2)
                    {
                        kind = Encoding.UTF8.GetString(v);
                    }
                }
            }
            else if (field == 2)
            {
                raw = value;
            }
        }

        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        var reader = new Reader(raw);
        while (reader.Next(out var field, out var value, out var number))
        {
            switch (kind, field)
            {
                case (_, 1):
                    obj["metadata"] = Metadata(value);
                    break;
                case ("ConfigMap", 2):
                    AddMapEntry(obj, "data", value, base64: false);
                    break;
                case ("ConfigMap", 3):
                    AddMapEntry(obj, "binaryData", value, base64: true);
                    break;
                case ("ConfigMap", 4):
                case ("Secret", 5):
                    obj["immutable"] = number != 0;
                    break;
                case ("Secret", 2):
                    AddMapEntry(obj, "data", value, base64: true);
                    break;
                case ("Secret", 3):
                    SetIfPresent(obj, "type", value);
                    break;
                case ("Secret", 4):
                    AddMapEntry(obj, "stringData", value, base64: false);
                    break;
                case ("Namespace", 2):
                {
                    var finalizers = new JsonArray();
                    var spec = new Reader(value);
                    while (spec.Next(out var f, out var v, out _))
                    {
                        if (f == 1)
                        {
                            finalizers.Add(Encoding.UTF8.GetString(v));
                        }
                    }

                    obj["spec"] = new JsonObject { ["finalizers"] = finalizers };
                    break;
                }

                case ("ServiceAccount", 4):
                    obj["automountServiceAccountToken"] = number != 0;
                    break;
                case ("ConfigMap" or "Secret" or "Namespace" or "ServiceAccount", _):
                    break;
                default:
                    throw Unsupported();
            }
        }

        return obj;
    }

    private static JsonObject Metadata(ReadOnlySpan<byte> bytes)
    {
        var metadata = new JsonObject();
        var reader = new Reader(bytes);
        while (reader.Next(out var field, out var value, out _))
        {
            switch (field)
            {
                case 1:
                    SetIfPresent(metadata, "name", value);
                    break;
                case 2:
                    SetIfPresent(metadata, "generateName", value);
                    break;
                case 3:
                    SetIfPresent(metadata, "namespace", value);
                    break;
                case 11:
                    AddMapEntry(metadata, "labels", value, base64: false);
                    break;
                case 12:
                    AddMapEntry(metadata, "annotations", value, base64: false);
                    break;
                case 14:
                    (metadata["finalizers"] ??= new JsonArray()).AsArray().Add(Encoding.UTF8.GetString(value));
                    break;
            }
        }

        return metadata;
    }

    private static void SetIfPresent(JsonObject target, string property, ReadOnlySpan<byte> value)
    {
        // proto2 writes empty optional strings; JSON omits them, and so must the decoded object.
        if (!value.IsEmpty)
        {
            target[property] = Encoding.UTF8.GetString(value);
        }
    }

    private static void AddMapEntry(JsonObject target, string property, ReadOnlySpan<byte> entry, bool base64)
    {
        string key = "";
        string text = "";
        var reader = new Reader(entry);
        while (reader.Next(out var field, out var value, out _))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(value);
            }
            else if (field == 2)
            {
                text = base64 ? Convert.ToBase64String(value) : Encoding.UTF8.GetString(value);
            }
        }

        var map = target[property] as JsonObject ?? new JsonObject();
        map[key] = text;
        target[property] = map;
    }

    private static ApiError Unsupported() =>
        new(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");

    /// <summary>Protocol buffers wire format: varint and length-delimited fields (the only ones these kinds use).</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> rest = data;

        public bool Next(out int field, out ReadOnlySpan<byte> value, out ulong number)
        {
            value = default;
            number = 0;
            field = 0;
            if (rest.IsEmpty)
            {
                return false;
            }

            var tag = Varint();
            field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    number = Varint();
                    break;
                case 2:
                {
                    var length = (int)Varint();
                    if (length < 0 || length > rest.Length)
                    {
                        throw ApiError.BadRequest("malformed protobuf body");
                    }

                    value = rest[..length];
                    rest = rest[length..];
                    break;
                }

                case 1:
                    rest = rest[8..];
                    break;
                case 5:
                    rest = rest[4..];
                    break;
                default:
                    throw ApiError.BadRequest("malformed protobuf body");
            }

            return true;
        }

        private ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (rest.IsEmpty)
                {
                    throw ApiError.BadRequest("malformed protobuf body");
                }

                var b = rest[0];
                rest = rest[1..];
                result |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw ApiError.BadRequest("malformed protobuf body");
        }
    }
}
