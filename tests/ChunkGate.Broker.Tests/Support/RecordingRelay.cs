using System.Net;
using System.Net.Sockets;

namespace ChunkGate.Broker.Tests.Support;

/// <summary>
/// A TCP relay between a client and PostgreSQL that keeps every byte the server sent, so a leak
/// test can search all of it: rows, COPY data, errors, notices, parameter statuses.
/// </summary>
internal sealed class RecordingRelay : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly MemoryStream received = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task accepting;

    public RecordingRelay(string host, int port)
    {
        listener.Start();
        accepting = AcceptAsync(host, port);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public byte[] Received()
    {
        lock (received)
        {
            return received.ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped while accepting.
        }

        stop.Dispose();
    }

    private async Task AcceptAsync(string host, int port)
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            var server = new TcpClient();
            await server.ConnectAsync(host, port, stop.Token);
            _ = PumpAsync(client.GetStream(), server.GetStream(), record: false, client, server);
            _ = PumpAsync(server.GetStream(), client.GetStream(), record: true, client, server);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool record, TcpClient client, TcpClient server)
    {
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                if (record)
                {
                    lock (received)
                    {
                        received.Write(buffer, 0, read);
                    }
                }

                await to.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            // One side closed.
        }
        finally
        {
            client.Close();
            server.Close();
        }
    }
}
