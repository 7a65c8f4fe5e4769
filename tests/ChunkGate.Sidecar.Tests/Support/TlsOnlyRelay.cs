using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>
/// A TCP relay in front of a database that lets through only connections opening with an
/// SSLRequest, as a TLS-only endpoint does. PostgreSQL itself answers a plaintext CancelRequest
/// before it looks at pg_hba.conf, so a hostssl-only server alone cannot tell whether a cancel
/// came over TLS; the relay can, and counts the plaintext attempts it dropped.
/// </summary>
internal sealed class TlsOnlyRelay : IAsyncDisposable
{
    private const int SslRequestCode = 80877103;

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly int target;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;
    private int plaintextAttempts;
    private int tlsConnections;

    public TlsOnlyRelay(int targetPort)
    {
        target = targetPort;
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Connections that did not start with SSLRequest (dropped).</summary>
    public int PlaintextAttempts => Volatile.Read(ref plaintextAttempts);

    /// <summary>Connections that started with SSLRequest (relayed).</summary>
    public int TlsConnections => Volatile.Read(ref tlsConnections);

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var clientSocket = client;
        try
        {
            var first = new byte[8];
            var read = 0;
            while (read < first.Length)
            {
                var got = await client.ReceiveAsync(first.AsMemory(read), SocketFlags.None, stopping.Token);
                if (got == 0)
                {
                    return;
                }

                read += got;
            }

            if (BinaryPrimitives.ReadInt32BigEndian(first) != 8 || BinaryPrimitives.ReadInt32BigEndian(first.AsSpan(4)) != SslRequestCode)
            {
                Interlocked.Increment(ref plaintextAttempts);
                return;
            }

            Interlocked.Increment(ref tlsConnections);
            using var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await server.ConnectAsync(IPAddress.Loopback, target, stopping.Token);
            await server.SendAsync(first, SocketFlags.None, stopping.Token);
            await using var clientStream = new NetworkStream(client, ownsSocket: false);
            await using var serverStream = new NetworkStream(server, ownsSocket: false);
            var up = CopyThenShutdownAsync(clientStream, serverStream, server);
            var down = CopyThenShutdownAsync(serverStream, clientStream, client);
            await Task.WhenAll(up, down);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // Either side went away.
        }
    }

    private async Task CopyThenShutdownAsync(Stream from, Stream to, Socket toSocket)
    {
        try
        {
            await from.CopyToAsync(to, stopping.Token);
        }
        finally
        {
            try
            {
                toSocket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        await accepting;
        stopping.Dispose();
    }
}
