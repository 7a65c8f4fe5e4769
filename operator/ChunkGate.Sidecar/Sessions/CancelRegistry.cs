using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>
/// Maps the cancel keys the sidecar hands its clients to the real backend keys, so a
/// CancelRequest reaches the right backend and a client never learns (or guesses) another backend's key.
/// </summary>
internal sealed class CancelRegistry
{
    private readonly ConcurrentDictionary<(int ProcessId, int SecretKey), (int ProcessId, int SecretKey)> backends = new();
    private int nextProcessId = RandomNumberGenerator.GetInt32(1 << 20, 1 << 29);

    public (int ProcessId, int SecretKey) Register(int backendProcessId, int backendSecretKey)
    {
        while (true)
        {
            var key = (Interlocked.Increment(ref nextProcessId), RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue));
            if (backends.TryAdd(key, (backendProcessId, backendSecretKey)))
            {
                return key;
            }
        }
    }

    public bool TryResolve(int processId, int secretKey, out (int ProcessId, int SecretKey) backend) =>
        backends.TryGetValue((processId, secretKey), out backend);

    public void Unregister((int ProcessId, int SecretKey) key) => backends.TryRemove(key, out _);
}
