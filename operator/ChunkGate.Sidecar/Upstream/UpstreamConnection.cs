using System.IO.Pipelines;
using System.Net.Sockets;
using ChunkGate.Sidecar.Recording;

namespace ChunkGate.Sidecar.Upstream;

/// <summary>An authenticated session with the database, ready for queries.</summary>
internal sealed class UpstreamConnection(Socket socket, Stream stream, int processId, int secretKey, IReadOnlyList<byte[]> startupMessages) : IAsyncDisposable
{
    public PipeReader Reader { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 16384, leaveOpen: true));

    private readonly ByteCountingStream counted = new(stream);

    public PipeWriter Writer => field ??= PipeWriter.Create(counted, new StreamPipeWriterOptions(minimumBufferSize: 65536, leaveOpen: true));

    /// <summary>Bytes of protocol written to the database through <see cref="Writer"/> (after startup; before TLS).</summary>
    public long BytesWritten => counted.BytesWritten;

    public Socket Socket => socket;

    /// <summary>The database backend's own cancel key (the client only ever sees the sidecar's).</summary>
    public int ProcessId => processId;

    public int SecretKey => secretKey;

    /// <summary>ParameterStatus and NoticeResponse messages the server sent before ReadyForQuery, in wire form.</summary>
    public IReadOnlyList<byte[]> StartupMessages => startupMessages;

    /// <summary>Closes the socket at once; pending reads and writes complete.</summary>
    public void Abort()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by the peer.
        }
        catch (ObjectDisposedException)
        {
            // Already closed by us.
        }

        socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        Abort();
        await Reader.CompleteAsync().ConfigureAwait(false);
        await Writer.CompleteAsync().ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
    }
}
