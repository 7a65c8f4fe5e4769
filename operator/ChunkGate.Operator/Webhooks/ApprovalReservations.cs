using ChunkGate.Api.Approvals;
using ChunkGate.Kubernetes.Informers;
using ChunkGate.Operator.Admission;

namespace ChunkGate.Operator.Webhooks;

/// <summary>
/// Closes the window of the one-approval-per-executor rule: two creates by the same executor at
/// once both listed the approvals before either was stored, and both passed. An admitted create
/// reserves (namespace, job, job uid, approver, spec hash) for its approval's name until the informer sees
/// that approval stored (from then on the fresh list the webhook reads has it) or, if it never is
/// (a later webhook denied it), for <see cref="Hold"/>. Another create for the same key meanwhile
/// is denied as if the first were stored; the same name again (a retry) is not.
/// Reservations live in this process: with several operator replicas behind the webhook Service,
/// two creates reaching different replicas at the same instant can still both pass; the controller
/// then counts only one of them toward a run (one executor counts once, <c>SameApprover</c>).
/// </summary>
internal sealed class ApprovalReservations(TimeProvider clock) : IInformerHandler<ChunkApproval>
{
    /// <summary>Longer than the API server's webhook timeouts (10 s each) plus the write that follows.</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);

    private readonly Lock gate = new();
    private readonly Dictionary<Key, Reservation> held = [];

    /// <summary>
    /// Reserves the key for <paramref name="approvalName"/> (null: a generated name, which matches no
    /// other) unless another approval holds it; a dry run only looks. Returns the holder, or null.
    /// </summary>
    public ExistingApproval? Reserve(string ns, string job, string jobUid, string approver, string specHash, string? approvalName, DateTimeOffset expiresAt, bool dryRun)
    {
        var key = new Key(ns, job, jobUid, approver, specHash);
        var now = clock.GetUtcNow();
        lock (gate)
        {
            if (held.TryGetValue(key, out var holder) && holder.Until > now && (approvalName is null || holder.Name != approvalName))
            {
                return new ExistingApproval(holder.Name, approver, jobUid, specHash, holder.ExpiresAt, Consumed: false);
            }

            if (!dryRun)
            {
                Prune(now);
                held[key] = new Reservation(approvalName ?? $"(generated name, {now:O})", expiresAt, now + Hold);
            }

            return null;
        }
    }

    public void OnAdd(ChunkApproval obj) => Release(obj);

    public void OnUpdate(ChunkApproval old, ChunkApproval current) => Release(current);

    public void OnDelete(ChunkApproval obj) => Release(obj);

    private void Release(ChunkApproval approval)
    {
        var spec = approval.Spec;
        if (spec?.JobRef?.Name is not { } job || spec.Approver is not { } approver || spec.JobSpecHash is not { } hash)
        {
            return;
        }

        var key = new Key(approval.Metadata.NamespaceProperty, job, spec.JobUid ?? "", approver, hash);
        lock (gate)
        {
            if (held.TryGetValue(key, out var holder) && holder.Name == approval.Metadata.Name)
            {
                held.Remove(key);
            }
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var key in held.Where(entry => entry.Value.Until <= now).Select(entry => entry.Key).ToList())
        {
            held.Remove(key);
        }
    }

    private readonly record struct Key(string Namespace, string Job, string JobUid, string Approver, string SpecHash);

    private sealed record Reservation(string Name, DateTimeOffset ExpiresAt, DateTimeOffset Until);
}
