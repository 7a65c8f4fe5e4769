using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>One message as received, for assertions.</summary>
internal sealed record RawMessage(char Code, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>An ErrorResponse/NoticeResponse field ('C' SQLSTATE, 'M' message, 'S' severity...).</summary>
    public string? Field(char field)
    {
        var position = 0;
        while (position < Body.Length && Body[position] != 0)
        {
            var type = (char)Body[position];
            var end = Array.IndexOf(Body, (byte)0, position + 1);
            var value = Encoding.UTF8.GetString(Body, position + 1, end - position - 1);
            if (type == field)
            {
                return value;
            }

            position = end + 1;
        }

        return null;
    }
}

/// <summary>
/// Speaks the protocol byte by byte, for what drivers rarely do (SSLRequest, CancelRequest,
/// malformed or truncated messages). Every read has a timeout so a hung sidecar fails the test.
/// </summary>
internal sealed class RawProtocolClient : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly List<byte> pending = [];
    private readonly byte[] chunk = new byte[65536];

    private RawProtocolClient(Socket socket)
    {
        this.socket = socket;
    }

    /// <summary>Every byte received so far, for leak assertions.</summary>
    public List<byte> Received { get; } = [];

    public static async Task<RawProtocolClient> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return new RawProtocolClient(socket);
    }

    public static byte[] StartupPacket(params (string Name, string Value)[] parameters)
    {
        var body = new List<byte>();
        body.AddRange(BigEndian(3 << 16));
        foreach (var (name, value) in parameters)
        {
            body.AddRange(Encoding.UTF8.GetBytes(name));
            body.Add(0);
            body.AddRange(Encoding.UTF8.GetBytes(value));
            body.Add(0);
        }

        body.Add(0);
        return [.. BigEndian(body.Count + 4), .. body];
    }

    public static byte[] Message(char code, byte[] body) => [(byte)code, .. BigEndian(body.Length + 4), .. body];

    public static byte[] Query(string sql) => Message('Q', [.. Encoding.UTF8.GetBytes(sql), 0]);

    public static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    public async Task SendAsync(byte[] bytes) => await socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>Sends a startup packet and reads up to ReadyForQuery; returns every message.</summary>
    public async Task<List<RawMessage>> StartAsync(string database)
    {
        await SendAsync(StartupPacket(("user", "job"), ("database", database)));
        return await ReadUntilAsync('Z');
    }

    /// <summary>Reads one raw byte (the answer to SSLRequest/GSSENCRequest).</summary>
    public async Task<int> ReadByteAsync()
    {
        if (pending.Count == 0 && !await FillAsync())
        {
            return -1;
        }

        var value = pending[0];
        pending.RemoveAt(0);
        return value;
    }

    /// <summary>The next message, or null when the sidecar closed the connection.</summary>
    public async Task<RawMessage?> ReadMessageAsync()
    {
        while (true)
        {
            if (pending.Count >= 5)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(pending.GetRange(1, 4).ToArray());
                if (pending.Count >= length + 1)
                {
                    var message = new RawMessage((char)pending[0], pending.GetRange(5, length - 4).ToArray());
                    pending.RemoveRange(0, length + 1);
                    return message;
                }
            }

            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    public async Task<List<RawMessage>> ReadUntilAsync(char code)
    {
        var messages = new List<RawMessage>();
        while (true)
        {
            var message = await ReadMessageAsync() ?? throw new InvalidOperationException(
                $"connection closed before '{code}'; got {string.Join(",", messages.Select(m => m.Code))}: {string.Join(" | ", messages.Select(m => m.Field('M')))}");
            messages.Add(message);
            if (message.Code == code)
            {
                return messages;
            }
        }
    }

    /// <summary>Reads until the sidecar closes the connection; returns everything received.</summary>
    public async Task<List<RawMessage>> ReadToEndAsync()
    {
        var messages = new List<RawMessage>();
        while (await ReadMessageAsync() is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    private async Task<bool> FillAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int read;
        try
        {
            read = await socket.ReceiveAsync(chunk, SocketFlags.None, timeout.Token);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("the sidecar sent nothing for 20 s");
        }

        if (read == 0)
        {
            return false;
        }

        pending.AddRange(chunk.AsSpan(0, read));
        Received.AddRange(chunk.AsSpan(0, read));
        return true;
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
