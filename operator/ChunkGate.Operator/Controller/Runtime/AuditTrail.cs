using ChunkGate.Kubernetes.Events;
using ChunkGate.Operator.Decisions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace ChunkGate.Operator.Controller.Runtime;

/// <summary>
/// Audit records: a Kubernetes Event on the object and a structured log line with the same reason,
/// message, object uid and trace id. Callers word messages without secrets (rule 7): role names,
/// approvers and times, never a password or a key.
/// </summary>
internal sealed partial class AuditTrail(EventRecorder recorder, ILogger<AuditTrail> logger)
{
    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> involved, AuditEvent audit, CancellationToken cancellationToken)
    {
        LogAudit(logger, involved.Kind, involved.Metadata.NamespaceProperty, involved.Metadata.Name, involved.Metadata.Uid, audit.Reason, audit.Message,
            System.Diagnostics.Activity.Current?.TraceId.ToString());
        System.Diagnostics.Activity.Current?.AddEvent(new System.Diagnostics.ActivityEvent(audit.Reason));
        await recorder.RecordAsync(involved, audit.Warning ? EventTypes.Warning : EventTypes.Normal, audit.Reason, audit.Message, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "audit {Kind} {Namespace}/{Name} ({Uid}): {Reason}: {AuditMessage} trace={TraceId}")]
    private static partial void LogAudit(ILogger logger, string kind, string @namespace, string name, string uid, string reason, string auditMessage, string? traceId);
}
