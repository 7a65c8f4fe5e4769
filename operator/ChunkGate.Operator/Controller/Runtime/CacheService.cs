using Microsoft.Extensions.Hosting;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>
/// Runs the informer caches on every replica, leader or not: the controller reads them when it
/// leads, and the admission webhooks read them on every review. Registered before the controller,
/// so it stops after it.
/// </summary>
internal sealed class CacheService(ControllerCaches caches) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await caches.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
