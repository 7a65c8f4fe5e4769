using ChunkGate.Operator.Admission;

namespace ChunkGate.Operator.Webhooks;

/// <summary>Writes to the <c>status</c> subresource of ChunkGate kinds, around <see cref="StatusAdmission"/>.</summary>
internal sealed class StatusWebhook(AdmissionSettings settings) : IAdmissionWebhook
{
    public Task<AdmissionReviewResponse> ReviewAsync(AdmissionReviewRequest request, CancellationToken cancellationToken)
    {
        if (request.SubResource != "status")
        {
            return Task.FromResult(AdmissionReviewResponse.From(AdmissionVerdict.Allow()));
        }

        var kind = (request.Object ?? request.OldObject)?["kind"]?.GetValue<string>() ?? request.Resource;
        return Task.FromResult(AdmissionReviewResponse.From(StatusAdmission.Decide(request.User, settings, kind, request.Namespace, request.ObjectName)));
    }
}
