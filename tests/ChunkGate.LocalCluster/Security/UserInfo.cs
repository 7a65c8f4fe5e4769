using System.Text.Json.Nodes;

namespace ChunkGate.LocalCluster.Security;

/// <summary>An authenticated identity, exactly as admission webhooks receive it in <c>request.userInfo</c>.</summary>
internal sealed record UserInfo(string Username, string Uid, IReadOnlyList<string> Groups)
{
    public JsonObject ToJson() => new()
    {
        ["username"] = Username,
        ["uid"] = Uid,
        ["groups"] = new JsonArray(Groups.Select(g => (JsonNode)JsonValue.Create(g)).ToArray()),
    };

    /// <summary>The identity the stand-in's own controllers (kubelet, garbage collector) act as.</summary>
    public static readonly UserInfo System = new("system:kube-controller-manager", "", ["system:authenticated"]);
}

/// <summary>A kubeconfig user: its context name, token and identity.</summary>
internal sealed record ClusterUser(string ContextName, string Token, UserInfo Identity);
