using System.Diagnostics;
using ChunkGate.Api.Approvals;
using ChunkGate.Api.Connections;
using ChunkGate.Api.Jobs;
using ChunkGate.Broker;
using ChunkGate.Broker.Credentials;
using ChunkGate.Kubernetes.Errors;
using ChunkGate.Operator.Controller.Connections;
using ChunkGate.Operator.Controller.Runs;
using ChunkGate.Operator.Controller.Runtime;
using ChunkGate.Operator.Decisions;
using ChunkGate.Operator.Progress;
using ChunkGate.Operator.Recording;
using ChunkGate.Operator.Telemetry;
using k8s;
using k8s.Models;

namespace ChunkGate.Operator.Controller.Jobs;

/// <summary>
/// The I/O of a run, each step idempotent: consume its approvals, issue its credential and create
/// its Secret and Pod (once: an existing Secret means the credential was issued), and at its end
/// revoke the credential (sessions terminated, role dropped) and delete Pod and Secret.
/// </summary>
internal sealed class RunLifecycle(ControllerClients clients, ControllerCaches caches, ConnectionBrokers brokers, MaskingKeys keys,
    AuditTrail audit, ForeignObjects foreigns, LiveRuns live, RunLogs logs, ControllerOptions options, TimeProvider clock)
{
    private static readonly System.Diagnostics.Metrics.Histogram<double> ApprovalToRunning =
        OperatorTelemetry.Meter.CreateHistogram<double>("chunkgate.controller.approval_to_running", "ms", "From the run's start decision to its Pod created");
    private static readonly System.Diagnostics.Metrics.Histogram<double> RevocationLatency =
        OperatorTelemetry.Meter.CreateHistogram<double>("chunkgate.controller.revocation", "ms", "From the end decision to role dropped and Pod and Secret deleted");

    public static RunStatus NewRecord(JobFacts job, RunStart start, DateTimeOffset now)
    {
        var names = RunNames.For(job.Name, job.Uid, start.Id);
        var pods = names.Pods(JobParallelism.Of(job.Spec));
        return new RunStatus
        {
            Id = start.Id,
            SpecHash = job.SpecHash,
            Approvals = [.. start.Approvals],
            ExpiresAt = start.ExpiresAt,
            TraceParent = RunTrace.NewTraceParent(),
            Pod = pods[0],
            Pods = [.. pods],
            Secret = names.Secret,
            Role = names.Role,
            StartedAt = now,
        };
    }

    /// <summary>Marks each approval consumed by the run; done before any credential exists, so a crash can never let one serve two runs.</summary>
    public async Task ConsumeAsync(string namespaceName, IReadOnlyList<string> approvals, string runId, CancellationToken cancellationToken)
    {
        foreach (var name in approvals)
        {
            await UpdateApprovalStatusAsync(namespaceName, name, status => status.ConsumedBy == runId ? null : new ChunkApprovalStatus
            {
                ObservedGeneration = status.ObservedGeneration,
                Phase = ApprovalPhase.Consumed,
                ConsumedBy = runId,
                Conditions = status.Conditions,
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Spec changed: the run's approvals are void for good, even if the spec changes back.</summary>
    public async Task VoidAsync(string namespaceName, IReadOnlyList<string> approvals, CancellationToken cancellationToken)
    {
        foreach (var name in approvals)
        {
            await UpdateApprovalStatusAsync(namespaceName, name, status => status.Phase == ApprovalPhase.Voided ? null : new ChunkApprovalStatus
            {
                ObservedGeneration = status.ObservedGeneration,
                Phase = ApprovalPhase.Voided,
                ConsumedBy = status.ConsumedBy,
                Conditions = status.Conditions,
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes the run's credential, Secret and Pods exist, each recorded by uid in the job's status
    /// (<paramref name="recorder"/>) as soon as it is created and before anything depends on it. The
    /// credential is issued only when the Secret does not exist (checked live, not only in the
    /// cache: the cache holds only labelled Secrets, and a planted one need not be): re-issuing would
    /// change the password under a running sidecar. An object under the run's names that the
    /// operator did not record is deleted and replaced (<see cref="RunObjects"/>). Returns a refusal
    /// when the run can never get its credential or its names.
    /// </summary>
    /// <param name="newRun">
    /// This reconcile wrote the run's record a moment ago: no Secret of the operator's can exist for
    /// it yet, so the Secret is not read live first (one round trip less on the way to Running); a
    /// Secret the cache does not show that holds the name makes the create fail, and is judged then.
    /// </param>
    /// <remarks>
    /// The Events of the run's start are written while it goes on (awaited before this returns):
    /// audit records, not steps the run waits for.
    /// </remarks>
    public async Task<string?> EnsureAsync(ChunkJob job, RunStatus run, DataConnection connection, IReadOnlyList<string> approvers, RunRecorder recorder,
        bool newRun, CancellationToken cancellationToken)
    {
        var audits = new List<Task>();
        try
        {
            return await EnsureAsync(job, run, connection, approvers, recorder, newRun, audits, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The recorder never throws API errors (a failed Event is logged): only a cancellation ends these early.
            await Task.WhenAll(audits).ConfigureAwait(false);
        }
    }

    private async Task<string?> EnsureAsync(ChunkJob job, RunStatus run, DataConnection connection, IReadOnlyList<string> approvers, RunRecorder recorder,
        bool newRun, List<Task> audits, CancellationToken cancellationToken)
    {
        var ns = job.Metadata.NamespaceProperty;
        var jobKey = $"{ns}/{job.Metadata.Name}";
        var names = RunNames.For(job.Metadata.Name, job.Metadata.Uid, run.Id!);
        var request = new RunRequest(ns, job.Metadata.Name, job.Metadata.Uid, job.Spec, run.Id!, run.ExpiresAt!.Value, run.Approvals ?? [], run.TraceParent, names, connection.Spec);

        var recordedSecret = RunObjects.RecordedUid(run, RunObjects.SecretKind, names.Secret);
        var secret = caches.Secrets.Get(ns, names.Secret)
            ?? (newRun ? null : await ReadSecretAsync(ns, names.Secret, cancellationToken).ConfigureAwait(false));
        var secretOwnership = RunObjects.Judge(recordedSecret, secret?.Metadata);
        if (secretOwnership is not (Ownership.Ours or Ownership.Absent))
        {
            run = await live.LatestAsync(job, run, cancellationToken).ConfigureAwait(false);
            recordedSecret = RunObjects.RecordedUid(run, RunObjects.SecretKind, names.Secret);
            secretOwnership = RunObjects.Judge(recordedSecret, secret?.Metadata);
        }

        if (recordedSecret is not null && secretOwnership != Ownership.Ours)
        {
            // The operator's Secret was deleted (and perhaps replaced) after it was created: a Pod
            // started since may mount what took its name, and a new credential would not reach the
            // Pods already running. Nothing legitimate does this while the run lives: the run ends.
            return secret is null
                ? $"its Secret {ns}/{names.Secret} was deleted by someone else while it ran"
                : $"its Secret {ns}/{names.Secret} was replaced by one the operator did not create (uid {secret.Metadata.Uid}) while it ran";
        }

        (string Name, string Uid)? createdSecret = null;
        if (secretOwnership != Ownership.Ours)
        {
            if (secret is not null && await RemoveForeignSecretAsync(job, run, names, secret, cancellationToken).ConfigureAwait(false) is { } stuck)
            {
                return stuck;
            }

            // Rule 6a: a role must never be granted before the connection's masking views exist for
            // its current rules, or it would read masked columns raw. The connection's status says so;
            // its update requeues this job.
            if (connection.Status is not { Reachable: true } applied || applied.ObservedGeneration != connection.Metadata.Generation)
            {
                throw new BrokerException($"DataConnection {ns}/{connection.Metadata.Name}: masking rules of generation {connection.Metadata.Generation} are not applied yet; run {run.Id} waits", retryable: true);
            }

            using var activity = RunTrace.Start("chunkgate.credential.issue", run.TraceParent, jobKey, run.Id!);
            // Independent reads (admin Secret, masking key): in flight together, one round trip on the run's path instead of two.
            // The key is only the one the connection's views were built with (never made here).
            var accessing = brokers.ForAsync(ns, connection.Metadata.Name, connection.Spec, connection.Metadata.Generation ?? 0, cancellationToken);
            var keying = keys.ForRunAsync(connection, cancellationToken);
            await Task.WhenAll(accessing, keying).ConfigureAwait(false);
            var access = await accessing.ConfigureAwait(false);
            var key = await keying.ConfigureAwait(false);
            IssuedCredential issued;
            try
            {
                // Issued again after a crash left the first Secret unrecorded: the broker ALTERs the
                // same role's password (no Pod ever mounted the first), no second role.
                issued = await access.Broker.IssueAsync(new CredentialRequest(job.Metadata.Uid, ns, job.Metadata.Name, RunNames.RunNumber(run.Id!),
                    job.Spec.Action, job.Spec.Tables, request.ExpiresAt) { ConnectionLimit = RunConnections.Limit(request.Shards) }, cancellationToken).ConfigureAwait(false);
            }
            catch (BrokerException refused) when (!refused.Retryable)
            {
                activity?.SetStatus(ActivityStatusCode.Error, refused.Message);
                return refused.Message;
            }

            activity?.SetTag("db.role", issued.Role);
            V1Secret created;
            try
            {
                created = await clients.Kubernetes.CoreV1.CreateNamespacedSecretAsync(
                    RunSecretBuilder.Build(request, issued.Password, key, access.CaCertificatePem, options.SidecarPort, options.SidecarOtlpEndpoint),
                    ns, fieldManager: ControllerClients.FieldManager, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
            }
            catch (AlreadyExistsException)
            {
                // Not created by the operator (only one worker reconciles a job): a Secret the cache
                // does not show (unlabelled) holds the name, or was created since it was read. It is
                // removed if foreign, and the retry issues again; this password reached no one.
                if (await ReadSecretAsync(ns, names.Secret, cancellationToken).ConfigureAwait(false) is { } taken
                    && await RemoveForeignSecretAsync(job, run, names, taken, cancellationToken).ConfigureAwait(false) is { } held)
                {
                    return held;
                }

                throw new RunNameBusyException($"Secret {ns}/{names.Secret} was held by an object the operator did not create while run {run.Id} issued its credential; it retries");
            }

            createdSecret = (names.Secret, created.Metadata.Uid);
            audits.Add(audit.RecordAsync(job, new AuditEvent("CredentialsIssued",
                $"role {issued.Role} issued for run {run.Id} ({Api.Meta.WireName.Of(job.Spec.Action)} on {string.Join(", ", job.Spec.Tables)}) until {issued.ExpiresAt:O}, approved by {string.Join(", ", approvers)}"),
                cancellationToken));
        }

        var pods = JobObserver.RunPodNames(run);
        var done = Checkpoints.DoneForRun(job.Status?.Checkpoint, run.SpecHash, job.Spec.Chunking.ChunkSize);
        var missing = new List<int>();
        for (var shard = 0; shard < pods.Count; shard++)
        {
            var found = caches.Pods.Get(ns, pods[shard]);
            if (RunObjects.IsOurs(run, RunObjects.PodKind, found?.Metadata))
            {
                continue;
            }

            if (found is not null || RunObjects.RecordedUid(run, RunObjects.PodKind, pods[shard]) is not null)
            {
                // The cache may not show yet the uid an earlier reconcile recorded, or the Pod it created.
                run = await live.LatestAsync(job, run, cancellationToken).ConfigureAwait(false);
                found = RunObjects.RecordedUid(run, RunObjects.PodKind, pods[shard]) is null ? found
                    : await clients.Kubernetes.CoreV1.ReadNamespacedPodAsync(pods[shard], ns, cancellationToken: cancellationToken).OrNull().ConfigureAwait(false);
                if (RunObjects.IsOurs(run, RunObjects.PodKind, found?.Metadata))
                {
                    continue;
                }

                if (RunObjects.RecordedUid(run, RunObjects.PodKind, pods[shard]) is not null)
                {
                    // Requested or created, and not there: never a second Pod for the shard (JobDecider ends the run).
                    return $"its Pod {ns}/{pods[shard]} was deleted before it finished; no Pod replaces it under the same approval, and the run's recording may be incomplete";
                }
            }

            // A Pod the operator did not record, whether the cache shows it (labelled) or the create
            // finds it: never adopted, its state and logs never counted.
            if (found is not null && await RemoveForeignPodAsync(job, run, names, found, cancellationToken).ConfigureAwait(false) is { } stuck)
            {
                return stuck;
            }

            missing.Add(shard);
        }

        if (missing.Count == 0 && createdSecret is null)
        {
            return null;
        }

        // Requested before any is created: a crash between a create and its uid's record leaves a
        // Pod the operator cannot tell from a planted one, and it must not create a second.
        run = await recorder.RequestedAsync(run.Id!, [.. missing.Select(shard => pods[shard])], createdSecret, cancellationToken).ConfigureAwait(false);
        foreach (var shard in missing)
        {
            var name = pods[shard];
            for (var attempt = 0; ; attempt++)
            {
                using var activity = RunTrace.Start("chunkgate.run.pod", run.TraceParent, jobKey, run.Id!);
                activity?.SetTag("chunkgate.shard", shard);
                var pod = RunPodBuilder.Build(request, shard, done, options.RunnerImage, options.SidecarImage, options.SidecarPort, clock.GetUtcNow());
                V1Pod created;
                try
                {
                    created = await clients.Kubernetes.CoreV1.CreateNamespacedPodAsync(pod, ns, fieldManager: ControllerClients.FieldManager, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
                }
                catch (AlreadyExistsException) when (attempt == 0)
                {
                    // Not the operator's (this create was refused): a Pod the cache did not show (unlabelled) took the name.
                    if (await clients.Kubernetes.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken).OrNull().ConfigureAwait(false) is { } taken
                        && await RemoveForeignPodAsync(job, run, names, taken, cancellationToken).ConfigureAwait(false) is { } stuck)
                    {
                        return stuck;
                    }

                    continue;
                }
                catch (AlreadyExistsException)
                {
                    throw new RunNameBusyException($"Pod {ns}/{name} was created again by someone else; run {run.Id} retries");
                }

                run = await recorder.CreatedAsync(run.Id!, RunObjects.PodKind, name, created.Metadata.Uid, cancellationToken).ConfigureAwait(false);
                if (shard == 0 && run.StartedAt is { } started)
                {
                    ApprovalToRunning.Record((clock.GetUtcNow() - started).TotalMilliseconds);
                }

                audits.Add(audit.RecordAsync(job, new AuditEvent("RunStarted", pods.Count == 1
                    ? $"run {run.Id} started in Pod {name}, approved by {string.Join(", ", approvers)}; it ends by {run.ExpiresAt:O}"
                    : $"run {run.Id} shard {shard} of {pods.Count} started in Pod {name}, approved by {string.Join(", ", approvers)}; it ends by {run.ExpiresAt:O}"),
                    cancellationToken));
                break;
            }
        }

        return null;
    }

    private async Task<V1Secret?> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken) =>
        await clients.Kubernetes.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken).OrNull().ConfigureAwait(false);

    private Task<string?> RemoveForeignSecretAsync(ChunkJob job, RunStatus run, RunNames names, V1Secret found, CancellationToken cancellationToken)
    {
        var ns = job.Metadata.NamespaceProperty;
        return foreigns.RemoveAsync(job, run.Id!, RunObjects.SecretKind, found.Metadata,
            (options, ct) => clients.Kubernetes.CoreV1.DeleteNamespacedSecretAsync(names.Secret, ns, options, cancellationToken: ct).Typed(),
            async ct => (await ReadSecretAsync(ns, names.Secret, ct).ConfigureAwait(false))?.Metadata,
            cancellationToken);
    }

    /// <summary>
    /// Deletes a Pod under the run's name that the operator did not record. One that mounts the
    /// run's Secret is said so in its own Warning: whoever created it could read the credential
    /// (anyone who may create Pods in a namespace may mount its Secrets, under any name; the
    /// operator can only refuse to count it), or it is the operator's own, left unrecorded by a crash.
    /// </summary>
    private async Task<string?> RemoveForeignPodAsync(ChunkJob job, RunStatus run, RunNames names, V1Pod found, CancellationToken cancellationToken)
    {
        var ns = job.Metadata.NamespaceProperty;
        var name = found.Metadata.Name;
        if (found.Metadata.DeletionTimestamp is null && RunObjects.Mounts(found, names.Secret))
        {
            await audit.RecordAsync(job, new AuditEvent("ForeignPodMountsRunSecret",
                $"Pod {ns}/{name} of uid {found.Metadata.Uid}, not recorded as created by the operator for run {run.Id}, mounts the run's Secret {names.Secret}: unless a crash left the operator's own Pod unrecorded, its creator could read the run's credential",
                Warning: true), cancellationToken).ConfigureAwait(false);
        }

        return await foreigns.RemoveAsync(job, run.Id!, RunObjects.PodKind, found.Metadata,
            (options, ct) => clients.Kubernetes.CoreV1.DeleteNamespacedPodAsync(name, ns, options, cancellationToken: ct).Typed(),
            async ct => (await clients.Kubernetes.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: ct).OrNull().ConfigureAwait(false))?.Metadata,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes the run's role (sessions terminated, role dropped), then deletes its Pod and Secret.</summary>
    public async Task EndAsync(ChunkJob job, RunStatus run, RunEnd why, DataConnection? connection, RunRecorder recorder, CancellationToken cancellationToken)
    {
        var ns = job.Metadata.NamespaceProperty;
        var started = clock.GetUtcNow();
        using var activity = RunTrace.Start("chunkgate.credential.revoke", run.TraceParent, $"{ns}/{job.Metadata.Name}", run.Id!);
        var names = RunNames.For(job.Metadata.Name, job.Metadata.Uid, run.Id!);
        var access = await AccessToEndAsync(ns, job, connection, cancellationToken).ConfigureAwait(false);
        // The Event is written while the run's objects go (awaited before this returns): an audit record, not a step of the revocation.
        Task auditing;
        if (access is null)
        {
            auditing = audit.RecordAsync(job, new AuditEvent("CredentialsNotRevoked",
                $"role {names.Role} of run {run.Id} could not be revoked: DataConnection {ns}/{job.Spec.ConnectionRef.Name} or its admin Secret is gone or unusable; the role's VALID UNTIL ends new logins at {run.ExpiresAt:O}, and the sweep revokes it once the admin access is back",
                Warning: true), cancellationToken);
        }
        else
        {
            try
            {
                var revocation = await access.Broker.RevokeAsync(names.Role, cancellationToken).ConfigureAwait(false);
                auditing = audit.RecordAsync(job, new AuditEvent("CredentialsRevoked", revocation.Existed
                    ? $"role {names.Role} of run {run.Id} revoked ({why}): {revocation.SessionsTerminated} session(s) ended, role dropped"
                    : $"role {names.Role} of run {run.Id} revoked ({why}): it was already gone"), cancellationToken);
            }
            catch (BrokerException failed) when (!failed.Retryable)
            {
                // A failure that retrying will not mend (a transient one is retried by the reconcile):
                // as when the admin access is gone, the run still ends (its Pods and the Secret with
                // the password go), the failure is said where people look, and the ledger keeps the
                // role unrevoked for the sweep. Retried here, a role the broker could not drop kept
                // the run, its Pod and its Secret forever, with no Event (hostile probe).
                auditing = audit.RecordAsync(job, new AuditEvent("CredentialsNotRevoked",
                    $"role {names.Role} of run {run.Id} could not be revoked ({why}): {failed.Message}; the role's VALID UNTIL ends new logins at {run.ExpiresAt:O}, and the sweep revokes it again",
                    Warning: true), cancellationToken);
            }
        }

        await KeepRecordingAsync(job, run, recorder, cancellationToken).ConfigureAwait(false);
        // The Pods and the Secret go together: nothing orders them, and each is one round trip.
        await Task.WhenAll([
            .. JobObserver.RunPodNames(run).Select(pod => DeleteAsync(() => clients.Kubernetes.CoreV1.DeleteNamespacedPodAsync(pod, ns, new V1DeleteOptions { GracePeriodSeconds = 0 }, cancellationToken: cancellationToken))),
            DeleteAsync(() => clients.Kubernetes.CoreV1.DeleteNamespacedSecretAsync(names.Secret, ns, cancellationToken: cancellationToken)),
            auditing]).ConfigureAwait(false);
        RevocationLatency.Record((clock.GetUtcNow() - started).TotalMilliseconds);
    }

    /// <summary>
    /// Stores the sidecars' recording in the run's ConfigMap before the Pods (and their logs) go,
    /// and records its uid and digest in the job's status before they do (so a crash in between
    /// finds the logs still there to keep it again). A ConfigMap under the recording's name that the
    /// operator did not record is deleted first, even when there is nothing to keep: replay must
    /// never show a recording the operator did not make. After the revocation: a slow log read must
    /// never delay it.
    /// </summary>
    private async Task KeepRecordingAsync(ChunkJob job, RunStatus run, RunRecorder recorder, CancellationToken cancellationToken)
    {
        var ns = job.Metadata.NamespaceProperty;
        var name = RunNames.For(job.Metadata.Name, job.Metadata.Uid, run.Id!).Recording;
        var kept = recorder.Job.Status?.Recordings?.FirstOrDefault(r => r.Run == run.Id);
        var found = await clients.Kubernetes.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).OrNull().ConfigureAwait(false);
        if (found is not null && RunObjects.Judge(kept?.Uid, found.Metadata) != Ownership.Ours)
        {
            // Judged on the live status, not the cache's (see LiveRuns).
            kept = await live.KeptRecordingAsync(job, run.Id!, cancellationToken).ConfigureAwait(false);
        }

        if (RunObjects.Judge(kept?.Uid, found?.Metadata) == Ownership.Ours)
        {
            return;
        }

        if (found is not null && await foreigns.RemoveAsync(job, run.Id!, "ConfigMap", found.Metadata,
            (options, ct) => clients.Kubernetes.CoreV1.DeleteNamespacedConfigMapAsync(name, ns, options, cancellationToken: ct).Typed(),
            async ct => (await clients.Kubernetes.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct).OrNull().ConfigureAwait(false))?.Metadata,
            cancellationToken).ConfigureAwait(false) is { } stuck)
        {
            // The run ends all the same; replay refuses what holds the name (its uid is not in status).
            await audit.RecordAsync(job, new AuditEvent("RecordingNotKept", $"run {run.Id}'s recording is not kept: {stuck}", Warning: true), cancellationToken).ConfigureAwait(false);
            return;
        }

        var lines = await logs.RecordingAsync(job, run, cancellationToken).ConfigureAwait(false);
        if (lines.All(shard => shard.Count == 0))
        {
            return;
        }

        var recording = RecordingCollector.Collect(lines, options.MaxRecordingBytes, clock.GetUtcNow());
        V1ConfigMap created;
        try
        {
            created = await clients.Kubernetes.CoreV1.CreateNamespacedConfigMapAsync(RecordingConfigMaps.Build(ns, job.Metadata.Name, job.Metadata.Uid, run.Id!, recording), ns,
                fieldManager: ControllerClients.FieldManager, cancellationToken: cancellationToken).Typed().ConfigureAwait(false);
        }
        catch (AlreadyExistsException)
        {
            throw new RunNameBusyException($"ConfigMap {ns}/{name} was created by someone else while run {run.Id}'s recording was kept; it retries");
        }
        catch (NotFoundException)
        {
            // The namespace is going away, and the job with it.
            return;
        }

        await recorder.KeptAsync(new KeptRecording { Run = run.Id!, ConfigMap = name, Uid = created.Metadata.Uid, Sha256 = KeptRecording.DigestOf(recording) }, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// The admin access that revokes: built from the connection's admin Secret, or, when the
    /// connection or its Secret is gone or unusable, the access last built from it (a hostile probe
    /// deleted the admin Secret and every revocation on the connection stopped, sessions reading past expiry).
    /// </summary>
    private async Task<ConnectionAccess?> AccessToEndAsync(string ns, ChunkJob job, DataConnection? connection, CancellationToken cancellationToken)
    {
        if (connection is not null)
        {
            try
            {
                return await brokers.ForAsync(ns, connection.Metadata.Name, connection.Spec, connection.Metadata.Generation ?? 0, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NotFoundException or BrokerException { Retryable: false })
            {
                // Fall back to what was built before the Secret went.
            }
        }

        return brokers.Last(ns, job.Spec.ConnectionRef.Name);
    }

    private static async Task DeleteAsync<T>(Func<Task<T>> delete)
    {
        try
        {
            await delete().Typed().ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
        }
    }

    private async Task UpdateApprovalStatusAsync(string namespaceName, string name, Func<ChunkApprovalStatus, ChunkApprovalStatus?> change, CancellationToken cancellationToken)
    {
        var approval = caches.Approvals.Get(namespaceName, name);
        for (var attempt = 0; approval is not null; attempt++)
        {
            var next = change(approval.Status ?? new ChunkApprovalStatus());
            if (next is null)
            {
                return;
            }

            approval.Status = next;
            try
            {
                await clients.Approvals.ReplaceStatusAsync(approval, ControllerClients.FieldManager, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ConflictException) when (attempt < 3)
            {
                approval = await clients.Approvals.TryGetAsync(namespaceName, name, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                return;
            }
        }
    }
}
