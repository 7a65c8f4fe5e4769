using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Api;
using ChunkGate.LocalCluster.Model;
using ChunkGate.LocalCluster.Selectors;
using ChunkGate.LocalCluster.Storage;
using Microsoft.AspNetCore.Http;

namespace ChunkGate.LocalCluster.Http;

/// <summary>
/// Watch responses: HTTP 200, chunked, one JSON event per line (<c>{"type":"ADDED","object":{...}}</c>).
/// Selectors turn modifications into ADDED/DELETED as objects enter or leave the selection; bookmarks
/// are sent when asked for; a compacted resourceVersion ends the stream with an ERROR event carrying
/// a 410 Expired Status, as the real watch cache does.
/// </summary>
internal sealed class WatchStreamer(ObjectStore store, TableConverter tables, TimeProvider clock, TimeSpan bookmarkInterval)
{
    public async Task StreamAsync(HttpContext context, ResourceType type, string ns, string name, bool asTable)
    {
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"].ToString());
        var fields = FieldSelector.Parse(query["fieldSelector"].ToString(), type);
        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        var sendInitialEvents = query["sendInitialEvents"].ToString() == "true";
        var rvText = query["resourceVersion"].ToString();
        long? from = sendInitialEvents || rvText is "" or "0" ? null : long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var rv)
            ? rv
            : throw ApiError.BadRequest($"resourceVersion: Invalid value: \"{rvText}\": must be a non-negative integer");
        var timeout = long.TryParse(query["timeoutSeconds"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromMinutes(30);
        var includeObject = query["includeObject"].ToString() is { Length: > 0 } include ? include : "Metadata";

        bool Matches(JsonObject? obj) =>
            obj is not null && (name.Length == 0 || ObjectFields.Name(obj) == name) && labels.Matches(ObjectFields.Labels(obj)) && fields.Matches(obj);

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        var cancellationToken = context.RequestAborted;
        WatchSubscription subscription;
        IReadOnlyList<StoredEvent> backlog;
        try
        {
            (subscription, backlog) = store.Watch(type.StorageKey, type.Namespaced ? ns : null, from);
        }
        catch (ApiError error) when (error.Code == 410)
        {
            await WriteLineAsync(response, Line("ERROR", error.ToStatus()), cancellationToken);
            return;
        }

        using (subscription)
        {
            await response.StartAsync(cancellationToken);
            var sentColumns = false;
            async Task EmitAsync(StoredEvent change)
            {
                var (eventType, obj) = Classify(change, Matches);
                if (eventType is null)
                {
                    return;
                }

                if (!asTable && type.StoredAs is null && eventType == StoredEvent.TypeName(change.Type) && ObjectFields.StringAt(obj, "apiVersion") == type.ApiVersion)
                {
                    await WriteLineAsync(response, change.EncodedLine(), cancellationToken);
                    return;
                }

                var presented = ApiHandler.Present(type, (JsonObject)obj!.DeepClone());
                JsonNode payload = asTable
                    ? tables.Convert(type, [presented], ObjectFields.ResourceVersion(presented).ToString(CultureInfo.InvariantCulture), null, includeObject, withColumns: !sentColumns)
                    : presented;
                sentColumns = asTable;
                await WriteLineAsync(response, Line(eventType, payload), cancellationToken);
            }

            foreach (var change in backlog)
            {
                await EmitAsync(change);
            }

            if (sendInitialEvents && bookmarks)
            {
                await WriteLineAsync(response, Bookmark(type, store.CurrentRevision, initialEventsEnd: true), cancellationToken);
            }

            await response.Body.FlushAsync(cancellationToken);
            using var timeoutSource = new CancellationTokenSource(timeout, clock);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
            try
            {
                while (!deadline.IsCancellationRequested)
                {
                    using var tickTimer = bookmarks ? new CancellationTokenSource(bookmarkInterval, clock) : new CancellationTokenSource();
                    using var tick = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, tickTimer.Token);

                    bool ready;
                    try
                    {
                        ready = await subscription.Events.WaitToReadAsync(tick.Token);
                    }
                    catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                    {
                        // Bookmark tick: everything up to the revision read now is already queued for us,
                        // so with an empty queue the bookmark cannot overtake an event.
                        var revision = store.CurrentRevision;
                        if (!subscription.Events.TryPeek(out _))
                        {
                            await WriteLineAsync(response, Bookmark(type, revision, initialEventsEnd: false), cancellationToken);
                            await response.Body.FlushAsync(cancellationToken);
                        }

                        continue;
                    }

                    if (!ready)
                    {
                        break;
                    }

                    while (subscription.Events.TryRead(out var change))
                    {
                        await EmitAsync(change);
                    }

                    await response.Body.FlushAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // timeoutSeconds elapsed: a real server closes the stream cleanly.
            }
        }
    }

    private static (string? Type, JsonObject? Object) Classify(StoredEvent change, Func<JsonObject?, bool> matches) => change.Type switch
    {
        WatchEventType.Added => matches(change.Object) ? ("ADDED", change.Object) : (null, null),
        WatchEventType.Deleted => matches(change.Previous ?? change.Object) ? ("DELETED", change.Object) : (null, null),
        _ => (matches(change.Object), matches(change.Previous)) switch
        {
            (true, true) => ("MODIFIED", change.Object),
            (true, false) => ("ADDED", change.Object),
            (false, true) => ("DELETED", change.Object),
            _ => (null, null),
        },
    };

    private static byte[] Bookmark(ResourceType type, long revision, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return Line("BOOKMARK", new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion, ["metadata"] = metadata });
    }

    private static byte[] Line(string type, JsonNode obj) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n");

    private static async Task WriteLineAsync(HttpResponse response, byte[] line, CancellationToken cancellationToken) =>
        await response.Body.WriteAsync(line, cancellationToken);
}
