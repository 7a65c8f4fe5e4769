using System.Net;
using System.Net.Sockets;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>
/// A misbehaving "database": accepts the sidecar, reads its startup packet, says AuthenticationOk,
/// ReadyForQuery, then answers the first message with whatever bytes the test chose.
/// </summary>
internal sealed class FakeUpstreamServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly byte[] answer;
    private readonly Task serving;

    public FakeUpstreamServer(byte[] answer)
    {
        this.answer = answer;
        listener.Start();
        serving = ServeAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    private async Task ServeAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    var buffer = new byte[65536];
                    try
                    {
                        await socket.ReceiveAsync(buffer, SocketFlags.None);
                        await socket.SendAsync(new byte[]
                        {
                            (byte)'R', 0, 0, 0, 8, 0, 0, 0, 0,
                            (byte)'K', 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 2,
                            (byte)'Z', 0, 0, 0, 5, (byte)'I',
                        }, SocketFlags.None);
                        await socket.ReceiveAsync(buffer, SocketFlags.None);
                        await socket.SendAsync(answer, SocketFlags.None);
                        while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
                        {
                        }
                    }
                    catch (SocketException)
                    {
                        // The sidecar closed on us, which is what the tests expect.
                    }
                }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        await serving;
    }
}
