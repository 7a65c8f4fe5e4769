using System.Text;
using System.Text.Json.Nodes;
using ChunkGate.LocalCluster.Model;

namespace ChunkGate.LocalCluster.Kubelet;

/// <summary>
/// Runs one Pod: materialises its volumes, resolves its containers, starts them as processes, restarts
/// them per <c>restartPolicy</c>, enforces <c>activeDeadlineSeconds</c>, and reports phase, conditions and
/// container statuses (exit codes, termination messages) through the status subresource.
/// </summary>
internal sealed class PodWorker(ProcessKubelet kubelet, JsonObject pod, string directory, string podIp, TimeProvider clock)
{
    private readonly Lock gate = new();
    private readonly CancellationTokenSource lifetime = new();
    private readonly Dictionary<string, ContainerState> containers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim statusWrites = new(1, 1);
    private DateTimeOffset? startTime;
    private string phase = "Pending";
    private string? podReason;
    private string? podMessage;
    private bool initialized;

    public string Uid => ObjectFields.Uid(pod);

    public string Namespace => ObjectFields.Namespace(pod);

    public string Name => ObjectFields.Name(pod);

    public string Directory => directory;

    public Task? Running { get; private set; }

    public bool IsFinished => phase is "Succeeded" or "Failed";

    public void Start() => Running = Task.Run(() => RunAsync(lifetime.Token));

    public string LogPath(string container, bool previous) => Path.Combine(directory, previous ? $"{container}.previous.log" : $"{container}.log");

    public bool IsContainerRunning(string container)
    {
        lock (gate)
        {
            return containers.TryGetValue(container, out var state) && state.Process is { Exited.IsCompleted: false };
        }
    }

    public bool HasStarted(string container)
    {
        lock (gate)
        {
            return containers.TryGetValue(container, out var state) && state.StartedAt is not null;
        }
    }

    /// <summary>Stops every container (TERM, grace period, KILL) and ends the worker.</summary>
    public async Task TerminateAsync(TimeSpan grace)
    {
        await lifetime.CancelAsync();
        await StopContainersAsync(grace);
        if (Running is { } running)
        {
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        var initSpecs = (pod["spec"]?["initContainers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var specContainers = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        lock (gate)
        {
            foreach (var container in initSpecs)
            {
                var sidecar = ObjectFields.StringAt(container, "restartPolicy") == "Always";
                containers[ObjectFields.StringAt(container, "name") ?? ""] = new ContainerState(container) { IsInit = !sidecar, IsSidecar = sidecar };
            }

            foreach (var container in specContainers)
            {
                containers[ObjectFields.StringAt(container, "name") ?? ""] = new ContainerState(container);
            }
        }

        var launches = await PrepareAsync([.. initSpecs, .. specContainers], cancellationToken);
        if (launches is null)
        {
            return;
        }

        startTime = clock.GetUtcNow();
        var deadline = pod["spec"]?["activeDeadlineSeconds"] is { } seconds
            ? Task.Delay(TimeSpan.FromSeconds(double.Parse(seconds.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)), clock, cancellationToken)
            : Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        var restartPolicy = ObjectFields.StringAt(pod["spec"], "restartPolicy") ?? "Always";
        var byName = launches.ToDictionary(l => l.Name, StringComparer.Ordinal);

        // Init containers run in order, each to success; native sidecars (restartPolicy Always) start and keep running.
        foreach (var init in initSpecs.Select(c => containers[ObjectFields.StringAt(c, "name") ?? ""]))
        {
            StartContainer(byName[init.Name]);
            await WriteStatusAsync();
            if (init.IsSidecar)
            {
                continue;
            }

            while (true)
            {
                if (init.Process is null || await Task.WhenAny(init.Process.Exited, deadline) == deadline)
                {
                    await FailAsync(deadline);
                    return;
                }

                var exitCode = await init.Process.Exited;
                var terminated = Terminated(init, exitCode);
                if (exitCode == 0)
                {
                    lock (gate)
                    {
                        init.Terminated = terminated;
                    }

                    break;
                }

                if (restartPolicy == "Never")
                {
                    lock (gate)
                    {
                        init.Terminated = terminated;
                    }

                    await StopContainersAsync(GracePeriod());
                    phase = "Failed";
                    await WriteStatusAsync();
                    return;
                }

                await RestartAsync(init, terminated, byName[init.Name], cancellationToken);
            }
        }

        initialized = true;
        foreach (var container in specContainers)
        {
            StartContainer(byName[ObjectFields.StringAt(container, "name") ?? ""]);
        }

        phase = "Running";
        await WriteStatusAsync();
        while (!cancellationToken.IsCancellationRequested)
        {
            List<Task> waits;
            lock (gate)
            {
                waits = containers.Values.Where(c => !c.IsInit && c.Process is not null && c.Terminated is null).Select(c => (Task)c.Process!.Exited).ToList();
            }

            if (waits.Count == 0)
            {
                break;
            }

            if (await Task.WhenAny([.. waits, deadline]) == deadline)
            {
                await FailAsync(deadline);
                return;
            }

            foreach (var state in SnapshotExited())
            {
                var exitCode = await state.Process!.Exited;
                var terminated = Terminated(state, exitCode);
                var restart = state.IsSidecar || restartPolicy == "Always" || (restartPolicy == "OnFailure" && exitCode != 0);
                if (restart && !cancellationToken.IsCancellationRequested)
                {
                    await RestartAsync(state, terminated, byName[state.Name], cancellationToken);
                }
                else
                {
                    lock (gate)
                    {
                        state.Terminated = terminated;
                    }
                }
            }

            bool mainDone;
            lock (gate)
            {
                mainDone = containers.Values.Where(c => !c.IsInit && !c.IsSidecar).All(c => c.Terminated is not null);
            }

            if (mainDone)
            {
                // Sidecars end when the Pod's main containers have all finished.
                await StopContainersAsync(GracePeriod());
                lock (gate)
                {
                    phase = containers.Values.Where(c => !c.IsInit && !c.IsSidecar).All(c => c.Terminated!["exitCode"]!.GetValue<int>() == 0) ? "Succeeded" : "Failed";
                }
            }

            await WriteStatusAsync();
        }
    }

    private async Task FailAsync(Task deadline)
    {
        await deadline;
        podReason = "DeadlineExceeded";
        podMessage = "Pod was active on the node longer than the specified deadline";
        await StopContainersAsync(GracePeriod());
        phase = "Failed";
        await WriteStatusAsync();
    }

    private async Task RestartAsync(ContainerState state, JsonObject terminated, ContainerLaunch launch, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            state.LastTerminated = terminated;
            state.RestartCount++;
            state.Process?.Dispose();
            state.Process = null;
        }

        var current = LogPath(state.Name, previous: false);
        if (File.Exists(current))
        {
            File.Move(current, LogPath(state.Name, previous: true), overwrite: true);
        }

        await WriteStatusAsync();
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, state.RestartCount)), clock, cancellationToken);
        StartContainer(launch);
    }

    /// <summary>Resolves every container, reporting why the Pod waits until it can start (a missing Secret appears later; an unknown image never does).</summary>
    private async Task<List<ContainerLaunch>?> PrepareAsync(List<JsonObject> specContainers, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var (volumes, volumeProblem) = MaterialiseVolumes();
            var launches = new List<ContainerLaunch>();
            var blocked = volumeProblem is not null;
            var permanent = false;
            foreach (var container in specContainers)
            {
                var state = containers[ObjectFields.StringAt(container, "name") ?? ""];
                if (volumeProblem is not null)
                {
                    state.Waiting = new ContainerWaiting("ContainerCreating", volumeProblem);
                    continue;
                }

                var (launch, waiting) = ContainerLaunchPlanner.Plan(pod, container, kubelet.Images, kubelet.FindSecret(Namespace), kubelet.FindConfigMap(Namespace), volumes, directory, podIp);
                state.Waiting = waiting;
                if (launch is null)
                {
                    blocked = true;
                    permanent |= waiting!.Reason == "ErrImagePull";
                }
                else
                {
                    launches.Add(launch);
                }
            }

            if (!blocked)
            {
                return launches;
            }

            await WriteStatusAsync();
            if (permanent)
            {
                kubelet.Record(pod, "Warning", "Failed", string.Join("; ", containers.Values.Where(c => c.Waiting?.Reason == "ErrImagePull").Select(c => c.Waiting!.Message)));
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
        }

        return null;
    }

    private (Dictionary<string, string> Volumes, string? Problem) MaterialiseVolumes()
    {
        var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in (pod["spec"]?["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = ObjectFields.StringAt(volume, "name") ?? "";
            if (volume["persistentVolumeClaim"] is JsonObject claimSource)
            {
                var claimName = ObjectFields.StringAt(claimSource, "claimName") ?? "";
                if (kubelet.FindClaim(Namespace)(claimName) is null)
                {
                    return (volumes, $"persistentvolumeclaim \"{claimName}\" not found");
                }

                volumes[name] = kubelet.ClaimDirectory(Namespace, claimName);
                System.IO.Directory.CreateDirectory(volumes[name]);
                continue;
            }

            var target = Path.Combine(directory, "volumes", name);
            System.IO.Directory.CreateDirectory(target);
            volumes[name] = target;
            if (volume["secret"] is JsonObject secretSource)
            {
                var secretName = ObjectFields.StringAt(secretSource, "secretName") ?? "";
                var secret = kubelet.FindSecret(Namespace)(secretName);
                if (secret is null)
                {
                    if (secretSource["optional"]?.GetValue<bool>() == true)
                    {
                        continue;
                    }

                    return (volumes, $"MountVolume.SetUp failed for volume \"{name}\" : secret \"{secretName}\" not found");
                }

                WriteFiles(target, secretSource, ObjectFields.StringMap(secret["data"]).ToDictionary(p => p.Key, p => Convert.FromBase64String(p.Value)));
            }
            else if (volume["configMap"] is JsonObject configSource)
            {
                var configName = ObjectFields.StringAt(configSource, "name") ?? "";
                var configMap = kubelet.FindConfigMap(Namespace)(configName);
                if (configMap is null)
                {
                    if (configSource["optional"]?.GetValue<bool>() == true)
                    {
                        continue;
                    }

                    return (volumes, $"MountVolume.SetUp failed for volume \"{name}\" : configmap \"{configName}\" not found");
                }

                WriteFiles(target, configSource, ObjectFields.StringMap(configMap["data"]).ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes(p.Value)));
            }
        }

        return (volumes, null);
    }

    private static void WriteFiles(string target, JsonObject source, Dictionary<string, byte[]> data)
    {
        var items = (source["items"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(i => (Key: ObjectFields.StringAt(i, "key") ?? "", Path: ObjectFields.StringAt(i, "path") ?? ""))
            .ToList();
        var files = items.Count > 0
            ? items.Where(i => data.ContainsKey(i.Key)).Select(i => (i.Path, Content: data[i.Key]))
            : data.Select(p => (Path: p.Key, Content: p.Value));
        foreach (var (relative, content) in files)
        {
            var file = Path.GetFullPath(Path.Combine(target, relative));
            if (!file.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, content);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    private void StartContainer(ContainerLaunch launch)
    {
        var state = containers[launch.Name];
        try
        {
            File.Delete(launch.TerminationMessageFile);
            var process = ContainerProcess.Start(launch.Argv, launch.Environment, launch.WorkingDirectory, LogPath(launch.Name, previous: false));
            lock (gate)
            {
                state.Process = process;
                state.StartedAt = clock.GetUtcNow();
                state.Waiting = null;
                state.TerminationMessageFile = launch.TerminationMessageFile;
            }

            kubelet.Record(pod, "Normal", "Started", $"Started container {launch.Name}");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            lock (gate)
            {
                state.Waiting = null;
                state.Terminated = new JsonObject
                {
                    ["exitCode"] = 128,
                    ["reason"] = "StartError",
                    ["message"] = $"failed to start container process: exec: \"{launch.Argv[0]}\": {error.Message}",
                    ["startedAt"] = ObjectFields.Timestamp(clock.GetUtcNow()),
                    ["finishedAt"] = ObjectFields.Timestamp(clock.GetUtcNow()),
                };
            }
        }
    }

    private List<ContainerState> SnapshotExited()
    {
        lock (gate)
        {
            return containers.Values.Where(c => !c.IsInit && c.Process is { Exited.IsCompleted: true } && c.Terminated is null).ToList();
        }
    }

    private JsonObject Terminated(ContainerState state, int exitCode)
    {
        var message = "";
        if (state.TerminationMessageFile is { } file && File.Exists(file))
        {
            var bytes = File.ReadAllBytes(file);
            message = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
        }

        if (message.Length == 0 && exitCode != 0 && ObjectFields.StringAt(state.Spec, "terminationMessagePolicy") == "FallbackToLogsOnError")
        {
            var lines = File.Exists(LogPath(state.Name, false)) ? File.ReadAllLines(LogPath(state.Name, false)) : [];
            message = string.Join("\n", lines.TakeLast(80));
            message = message.Length > 2048 ? message[^2048..] : message;
        }

        var terminated = new JsonObject
        {
            ["exitCode"] = exitCode,
            ["reason"] = exitCode == 0 ? "Completed" : "Error",
            ["startedAt"] = ObjectFields.Timestamp(state.StartedAt ?? clock.GetUtcNow()),
            ["finishedAt"] = ObjectFields.Timestamp(clock.GetUtcNow()),
            ["containerID"] = $"process://{state.Process?.ProcessId}",
        };
        if (message.Length > 0)
        {
            terminated["message"] = message;
        }

        return terminated;
    }

    private async Task StopContainersAsync(TimeSpan grace)
    {
        List<ContainerState> running;
        lock (gate)
        {
            running = containers.Values.Where(c => c.Process is { Exited.IsCompleted: false }).ToList();
        }

        if (running.Count > 0)
        {
            kubelet.Record(pod, "Normal", "Killing", $"Stopping container {string.Join(", ", running.Select(r => r.Name))}");
        }

        await Task.WhenAll(running.Select(c => c.Process!.StopAsync(grace, clock)));
        foreach (var state in running)
        {
            var exitCode = await state.Process!.Exited;
            lock (gate)
            {
                state.Terminated ??= Terminated(state, exitCode);
            }
        }
    }

    private TimeSpan GracePeriod() =>
        TimeSpan.FromSeconds(pod["spec"]?["terminationGracePeriodSeconds"] is { } seconds ? double.Parse(seconds.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : 30);

    private async Task WriteStatusAsync()
    {
        await statusWrites.WaitAsync();
        try
        {
            JsonObject status;
            lock (gate)
            {
                status = BuildStatus();
            }

            await kubelet.WriteStatusAsync(pod, status);
        }
        finally
        {
            statusWrites.Release();
        }
    }

    private JsonObject BuildStatus()
    {
        var now = ObjectFields.Timestamp(clock.GetUtcNow());
        var statuses = new JsonArray();
        var initStatuses = new JsonArray();
        var allReady = true;
        foreach (var state in containers.Values)
        {
            var running = state.Process is { Exited.IsCompleted: false } && state.Terminated is null;
            if (!state.IsInit)
            {
                allReady &= running;
            }

            JsonObject stateObject = state.Terminated is { } terminated
                ? new JsonObject { ["terminated"] = terminated.DeepClone() }
                : running
                    ? new JsonObject { ["running"] = new JsonObject { ["startedAt"] = ObjectFields.Timestamp(state.StartedAt!.Value) } }
                    : new JsonObject { ["waiting"] = new JsonObject { ["reason"] = state.Waiting?.Reason ?? (initialized || state.IsInit || state.IsSidecar ? "ContainerCreating" : "PodInitializing"), ["message"] = state.Waiting?.Message } };
            if (stateObject["waiting"] is JsonObject waiting && waiting["message"] is null)
            {
                waiting.Remove("message");
            }

            var entry = new JsonObject
            {
                ["name"] = state.Name,
                ["image"] = ObjectFields.StringAt(state.Spec, "image"),
                ["imageID"] = "",
                ["ready"] = running,
                ["restartCount"] = state.RestartCount,
                ["started"] = running,
                ["state"] = stateObject,
            };
            if (state.LastTerminated is { } last)
            {
                entry["lastState"] = new JsonObject { ["terminated"] = last.DeepClone() };
            }

            (state.IsInit || state.IsSidecar ? initStatuses : statuses).Add(entry);
        }

        var readyStatus = allReady && phase == "Running" ? "True" : "False";
        JsonObject Condition(string type, string value, string? reason = null) =>
            reason is null
                ? new JsonObject { ["type"] = type, ["status"] = value, ["lastTransitionTime"] = now }
                : new JsonObject { ["type"] = type, ["status"] = value, ["lastTransitionTime"] = now, ["reason"] = reason };
        var status = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", startTime is null ? "False" : "True"),
                Condition("Initialized", initialized ? "True" : "False", initialized ? null : "ContainersNotInitialized"),
                Condition("Ready", readyStatus, readyStatus == "True" ? null : phase is "Succeeded" or "Failed" ? "PodCompleted" : "ContainersNotReady"),
                Condition("ContainersReady", readyStatus, readyStatus == "True" ? null : phase is "Succeeded" or "Failed" ? "PodCompleted" : "ContainersNotReady"),
                Condition("PodScheduled", "True")),
            ["hostIP"] = "127.0.0.1",
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
            ["podIP"] = podIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }),
            ["qosClass"] = "BestEffort",
            ["containerStatuses"] = statuses,
        };
        if (initStatuses.Count > 0)
        {
            status["initContainerStatuses"] = initStatuses;
        }
        if (startTime is { } started)
        {
            status["startTime"] = ObjectFields.Timestamp(started);
        }

        if (podReason is not null)
        {
            status["reason"] = podReason;
            status["message"] = podMessage;
        }

        return status;
    }

    private sealed class ContainerState(JsonObject spec)
    {
        public JsonObject Spec { get; } = spec;

        public string Name => ObjectFields.StringAt(Spec, "name") ?? "";

        public ContainerProcess? Process { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public ContainerWaiting? Waiting { get; set; }

        public JsonObject? Terminated { get; set; }

        public JsonObject? LastTerminated { get; set; }

        public int RestartCount { get; set; }

        public string? TerminationMessageFile { get; set; }

        /// <summary>An init container that must run to completion before the main containers start.</summary>
        public bool IsInit { get; init; }

        /// <summary>A native sidecar (an init container with restartPolicy Always): runs alongside the main containers.</summary>
        public bool IsSidecar { get; init; }
    }
}
