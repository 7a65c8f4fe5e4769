namespace ChunkGate.Api;

/// <summary>The API group and version every ChunkGate resource is served under.</summary>
public static class ApiGroup
{
    public const string Name = "chunkgate.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Name + "/" + Version;
}
