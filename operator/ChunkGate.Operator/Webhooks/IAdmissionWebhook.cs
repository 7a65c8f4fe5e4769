namespace ChunkGate.Operator.Webhooks;

/// <summary>One webhook: an AdmissionReview request in, the verdict (and for a mutating webhook the patch) out.</summary>
internal interface IAdmissionWebhook
{
    Task<AdmissionReviewResponse> ReviewAsync(AdmissionReviewRequest request, CancellationToken cancellationToken);
}
