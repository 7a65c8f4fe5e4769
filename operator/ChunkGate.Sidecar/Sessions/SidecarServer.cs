using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>Listens on the configured (localhost) endpoint and runs one <see cref="ProxySession"/> per connection.</summary>
internal sealed class SidecarServer(SidecarContext context) : IAsyncDisposable
{
    private readonly Socket listener = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource stopping = new();
    private readonly HashSet<Task> sessions = [];
    private Task? acceptLoop;
    private int active;

    public IPEndPoint EndPoint => (IPEndPoint)listener.LocalEndPoint!;

    public void Start()
    {
        listener.Bind(context.Options.Listen);
        listener.Listen(512);
        acceptLoop = AcceptAsync();
        context.Logger.LogInformation("listening on {EndPoint}, upstream {Host}:{Port}/{Database}, action {Action}",
            EndPoint, context.Options.Upstream.Host, context.Options.Upstream.Port, context.Options.Upstream.Database, context.Options.Action);
    }

    public Task Completion => acceptLoop ?? Task.CompletedTask;

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                context.Logger.LogWarning("accept failed: {Reason}", exception.Message);
                continue;
            }

            Task session;
            if (Interlocked.Increment(ref active) > context.Options.MaxClientConnections)
            {
                // Every session holds a database backend: past the limit, say so and close.
                session = Task.Run(() => RefuseAsync(client));
            }
            else
            {
                session = Task.Run(() => new ProxySession(client, context).RunAsync(stopping.Token));
            }

            lock (sessions)
            {
                sessions.Add(session);
            }

            _ = session.ContinueWith(
                finished =>
                {
                    if (finished.Exception is { } exception)
                    {
                        // A bug in one session must never take the others (or the process) down.
                        context.Logger.LogError(exception.GetBaseException(), "session failed");
                    }

                    Interlocked.Decrement(ref active);
                    lock (sessions)
                    {
                        sessions.Remove(finished);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task RefuseAsync(Socket client)
    {
        context.Logger.LogWarning("refusing a client: {Limit} connections already served (limits.maxClientConnections)", context.Options.MaxClientConnections);
        using (client)
        {
            var refusal = new System.Buffers.ArrayBufferWriter<byte>(128);
            Protocol.BackendMessages.ErrorResponse(refusal, Protocol.ErrorSeverity.Fatal, "53300", $"too many connections to the ChunkGate sidecar (limit {context.Options.MaxClientConnections})");
            try
            {
                await client.SendAsync(refusal.WrittenMemory, SocketFlags.None).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // The client is gone already.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Dispose();
        await Completion.ConfigureAwait(false);
        Task[] running;
        lock (sessions)
        {
            running = [.. sessions];
        }

        await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (context.Features is IAsyncDisposable features)
        {
            // Flushes the recording once no session writes to it any more.
            await features.DisposeAsync().ConfigureAwait(false);
        }

        if (context.Terminator is { } terminator)
        {
            await terminator.DisposeAsync().ConfigureAwait(false);
        }

        stopping.Dispose();
    }
}
