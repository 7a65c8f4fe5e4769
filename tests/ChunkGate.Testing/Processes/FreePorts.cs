using System.Net;
using System.Net.Sockets;

namespace ChunkGate.Testing.Processes;

/// <summary>
/// Loopback ports nobody listens on, for a process a test starts. Taken together, each held open
/// until all are known: taken one at a time, the kernel may hand the same port out twice (an
/// operator got one port for its health and webhook endpoints and refused to start, in CI).
/// </summary>
public static class FreePorts
{
    public static IReadOnlyList<int> Take(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(listener => listener.Dispose());
        }
    }
}
