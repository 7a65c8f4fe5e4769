namespace ChunkGate.Kubernetes.Configuration;

/// <summary>A configuration that cannot be used; the message names the file and the field.</summary>
public sealed class KubeConfigException(string message, Exception? inner = null) : Exception(message, inner);
