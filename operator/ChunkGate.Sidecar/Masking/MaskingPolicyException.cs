namespace ChunkGate.Sidecar.Masking;

/// <summary>The masking section of the configuration is invalid; <see cref="Path"/> names the offending JSON element.</summary>
internal sealed class MaskingPolicyException(string path, string message)
    : Exception($"{path}: {message}")
{
    public string Path { get; } = path;
}
