namespace ChunkGate.Operator.Status;

/// <summary>
/// The strings <c>kubectl get cjob</c> prints (APPROVERS, PROGRESS): one function each, used by the
/// status writer only, so the columns always agree with the structured fields they summarise.
/// </summary>
public static class JobStatusDisplay
{
    public static string? Approvers(IEnumerable<string> approvers)
    {
        var names = approvers.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? null : string.Join(",", names);
    }

    public static string? Progress(long chunksDone, long chunksTotal) =>
        chunksTotal <= 0 ? null : $"{Math.Min(chunksDone, chunksTotal)}/{chunksTotal}";
}
