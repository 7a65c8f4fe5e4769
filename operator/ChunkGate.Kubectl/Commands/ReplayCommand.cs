using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.Kubectl.Cli;
using ChunkGate.Kubectl.Output;
using ChunkGate.Recording;

namespace ChunkGate.Kubectl.Commands;

/// <summary>
/// <c>kubectl chunk replay JOB [--run N]</c>: the session recording the operator keeps in the
/// ConfigMap <c>&lt;job&gt;-&lt;run&gt;-recording</c> (key <c>recording.jsonl</c>), rendered by the
/// sidecar's own <see cref="Replay"/>.
/// </summary>
internal static class ReplayCommand
{
    public const string RecordingKey = "recording.jsonl";

    public static string ConfigMapName(string job, string run) => $"{job}-{run}-recording";

    public static async Task<int> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        // A bad --run is a usage error before anything is read. The job is read every time: its
        // status says which recording the operator kept for each run.
        var asked = RunId(context.Line.Value("run"));
        var job = await context.Objects.JobAsync(context.Namespace, context.Job, cancellationToken);
        var run = asked ?? job.Status?.Run?.Id ?? throw CommandFailure.NotFound($"{context.Namespace}/{context.Job} has not run yet: there is no recording");

        var kept = job.Status?.Recordings?.FirstOrDefault(r => r.Run == run);
        var name = kept?.ConfigMap ?? ConfigMapName(context.Job, run);
        var map = await context.Objects.ConfigMapAsync(context.Namespace, name, cancellationToken)
            ?? throw CommandFailure.NotFound($"no recording of run {run} of {context.Namespace}/{context.Job}: ConfigMap {name} not found (the operator stores it when the run ends)");
        if (map.Data?.TryGetValue(RecordingKey, out var recording) != true || recording is null)
        {
            throw CommandFailure.NotFound($"ConfigMap {context.Namespace}/{name} has no key {RecordingKey}");
        }

        // Anyone who may create ConfigMaps in the namespace can take the name first, labels and
        // ownerReference included: only the uid and digest in the job's status (written by the
        // operator alone) tell the operator's recording from another.
        if (RefusalOf(kept, map, recording) is { } refusal)
        {
            throw CommandFailure.NotFound($"refusing to show ConfigMap {context.Namespace}/{name}: {refusal}");
        }

        if (context.Format != OutputFormat.Text)
        {
            StructuredOutput.Write(context.Out, context.Format, new { job = $"{context.Namespace}/{context.Job}", run, events = Events(recording) });
            return 0;
        }

        context.Out.WriteLine(context.Palette.Paint($"Recording of {context.Namespace}/{context.Job} run {run} (ConfigMap {name})", Tone.Bold));
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(recording));
        if (Replay.Format(stream, context.Out) == 0)
        {
            context.Out.WriteLine("(the recording holds no events)");
        }

        return 0;
    }

    /// <summary>Why a recording is not the one the operator kept for the run; null when it is.</summary>
    public static string? RefusalOf(Api.Jobs.KeptRecording? kept, k8s.Models.V1ConfigMap map, string recording) =>
        kept is null ? "the job's status records no recording kept by the operator for this run, so it was not made by the operator"
        : !string.Equals(kept.Uid, map.Metadata?.Uid, StringComparison.Ordinal) ? $"its uid {map.Metadata?.Uid} is not {kept.Uid}, the one the operator recorded in the job's status, so it was not made by the operator"
        : !string.Equals(kept.Sha256, Api.Jobs.KeptRecording.DigestOf(recording), StringComparison.Ordinal) ? "its content is not the recording the operator kept (the digest in the job's status differs)"
        : null;

    /// <summary>--run 2 or --run r2.</summary>
    public static string? RunId(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var digits = value.StartsWith('r') ? value[1..] : value;
        return int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number > 0
            ? $"r{number}"
            : throw CommandFailure.Usage($"invalid --run \"{value}\": a run number (2) or id (r2)");
    }

    /// <summary>The recording's events as JSON; a line that is not a JSON object is kept as text, never dropped silently.</summary>
    private static JsonArray Events(string recording)
    {
        var events = new JsonArray();
        foreach (var line in recording.Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonNode? node = null;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (System.Text.Json.JsonException)
            {
            }

            events.Add(node is JsonObject ? node : new JsonObject { ["unreadable"] = line });
        }

        return events;
    }
}
