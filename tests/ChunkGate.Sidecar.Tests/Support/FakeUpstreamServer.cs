using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>How the fake database authenticates the sidecar.</summary>
internal enum FakeAuthentication
{
    /// <summary>SCRAM-SHA-256 to the end, with a correct server signature: an honest server.</summary>
    Scram,

    /// <summary>AuthenticationOk at once, no password asked (trust, or an impostor).</summary>
    Trust,

    /// <summary>SCRAM started, then AuthenticationOk right after the client-first message.</summary>
    OkAfterClientFirst,

    /// <summary>SCRAM up to the client's proof, then AuthenticationOk without the server-final message.</summary>
    OkWithoutServerFinal,
}

/// <summary>
/// A misbehaving "database" on a real socket: reads the sidecar's startup packet, authenticates it
/// as told (<see cref="FakeAuthentication"/>), sends ReadyForQuery, then answers the first message
/// with whatever bytes the test chose.
/// </summary>
internal sealed class FakeUpstreamServer : IAsyncDisposable
{
    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("chunkgate-salt!!");
    private const int Iterations = 4096;

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly byte[] answer;
    private readonly string password;
    private readonly FakeAuthentication authentication;
    private readonly Task serving;

    public FakeUpstreamServer(byte[] answer, string password, FakeAuthentication authentication = FakeAuthentication.Scram)
    {
        this.answer = answer;
        this.password = password;
        this.authentication = authentication;
        listener.Start();
        serving = ServeAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Whether the sidecar sent anything after its startup phase (a query): it should not, when authentication was refused.</summary>
    public bool QueryReceived { get; private set; }

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
                await using (var stream = new NetworkStream(socket))
                {
                    try
                    {
                        await ServeOneAsync(stream);
                    }
                    catch (Exception exception) when (exception is IOException or SocketException or EndOfStreamException)
                    {
                        // The sidecar closed on us, which is what the tests expect.
                    }
                }
            });
        }
    }

    private async Task ServeOneAsync(NetworkStream stream)
    {
        var lengthBytes = new byte[4];
        await stream.ReadExactlyAsync(lengthBytes);
        await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadInt32BigEndian(lengthBytes) - 4]);
        if (authentication != FakeAuthentication.Trust)
        {
            await stream.WriteAsync(Authentication(10, [.. "SCRAM-SHA-256"u8, 0, 0]));
            var initial = await ReadMessageAsync(stream);

            // SASLInitialResponse: mechanism\0, int32 length, client-first.
            var mechanismEnd = Array.IndexOf(initial, (byte)0);
            var clientFirst = Encoding.UTF8.GetString(initial, mechanismEnd + 5, initial.Length - mechanismEnd - 5);
            if (authentication != FakeAuthentication.OkAfterClientFirst)
            {
                var clientFirstBare = clientFirst[3..];
                var nonce = clientFirstBare[(clientFirstBare.IndexOf("r=", StringComparison.Ordinal) + 2)..] + "serverpart";
                var serverFirst = $"r={nonce},s={Convert.ToBase64String(Salt)},i={Iterations}";
                await stream.WriteAsync(Authentication(11, Encoding.UTF8.GetBytes(serverFirst)));
                var clientFinal = Encoding.UTF8.GetString(await ReadMessageAsync(stream));
                if (authentication == FakeAuthentication.Scram)
                {
                    var withoutProof = clientFinal[..clientFinal.IndexOf(",p=", StringComparison.Ordinal)];
                    var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Salt, Iterations, HashAlgorithmName.SHA256, 32);
                    var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
                    var signature = HMACSHA256.HashData(serverKey, Encoding.UTF8.GetBytes(clientFirstBare + "," + serverFirst + "," + withoutProof));
                    await stream.WriteAsync(Authentication(12, Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(signature))));
                }
            }
        }

        await stream.WriteAsync(new byte[]
        {
            (byte)'R', 0, 0, 0, 8, 0, 0, 0, 0,
            (byte)'K', 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 2,
            (byte)'Z', 0, 0, 0, 5, (byte)'I',
        });
        await ReadMessageAsync(stream);
        QueryReceived = true;
        await stream.WriteAsync(answer);
        var buffer = new byte[65536];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }

    private static byte[] Authentication(int kind, byte[] payload)
    {
        var message = new byte[9 + payload.Length];
        message[0] = (byte)'R';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 8 + payload.Length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(5), kind);
        payload.CopyTo(message, 9);
        return message;
    }

    /// <summary>Reads one framed frontend message and returns its body.</summary>
    private static async Task<byte[]> ReadMessageAsync(NetworkStream stream)
    {
        var header = new byte[5];
        await stream.ReadExactlyAsync(header);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await stream.ReadExactlyAsync(body);
        return body;
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        await serving;
    }
}
